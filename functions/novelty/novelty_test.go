package novelty

import (
	"bytes"
	"math"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func texts(values ...string) []types.Datum {
	ds := make([]types.Datum, len(values))
	for i, v := range values {
		ds[i] = types.NewText(v)
	}
	return ds
}

func observe(t *testing.T, c *Context, ds []types.Datum) Result {
	t.Helper()
	var r Result
	if err := c.Observe(ds, &r); err != nil {
		t.Fatalf("Observe(%v): %v", ds, err)
	}
	return r
}

func read(t *testing.T, c *Context, ds []types.Datum) Result {
	t.Helper()
	var r Result
	if err := c.Read(ds, &r); err != nil {
		t.Fatalf("Read(%v): %v", ds, err)
	}
	return r
}

// want is a hand-computed result; exact floats unless tol is set.
type want struct {
	score, total, probability, uniqueness, info float64
	sequence                                    int64
	index                                       int
	value                                       string
	novelty                                     float64
	warm                                        bool
}

func check(t *testing.T, name string, got Result, w want) {
	t.Helper()
	const tol = 1e-12
	floats := []struct {
		field     string
		got, want float64
	}{
		{"score", got.Score, w.score},
		{"totalObsScore", got.TotalObsScore, w.total},
		{"probability", got.Probability, w.probability},
		{"uniqueness", got.Uniqueness, w.uniqueness},
		{"infoContent", got.InfoContent, w.info},
		{"novelty", got.MostNovel.Novelty, w.novelty},
	}
	for _, f := range floats {
		if math.Abs(f.got-f.want) > tol {
			t.Errorf("%s: %s = %v, want %v", name, f.field, f.got, f.want)
		}
	}
	if got.Sequence != w.sequence || got.MostNovel.Index != w.index || got.MostNovel.Value != w.value || got.Warm != w.warm {
		t.Errorf("%s: sequence %d, most novel {%d %q}, warm %v; want %d, {%d %q}, %v", name,
			got.Sequence, got.MostNovel.Index, got.MostNovel.Value, got.Warm, w.sequence, w.index, w.value, w.warm)
	}
}

func TestFirstObservation(t *testing.T) {
	c := NewContext(Options{})
	r := observe(t, c, texts("a", "b", "c"))
	check(t, "first", r, want{probability: 1, uniqueness: 1, sequence: 1, index: 0, value: "a", warm: true})
}

func TestNewIsNotNovelForHighCardinality(t *testing.T) {
	c := NewContext(Options{})
	for i := range 500 {
		r := observe(t, c, []types.Datum{types.NewText("web"), types.NewInt(int64(i))})
		n := float64(i + 1)
		// Every user id is new (count 1) and no id is more common: s = 0.
		// Component 1 has the larger surprisal, log2(n) - log2(1).
		w := want{probability: 1 / n, uniqueness: 1, info: math.Log2(n), sequence: int64(i + 1),
			index: 1, value: r.Observation[1], novelty: math.Log2(n), warm: true}
		if i == 0 {
			w.index, w.value = 0, "web"
		}
		check(t, "user", r, w)
	}
}

func TestFirstTimeValueWhereOneDominated(t *testing.T) {
	const n = 100
	c := NewContext(Options{})
	for range n - 1 {
		observe(t, c, texts("A"))
	}
	r := observe(t, c, texts("B"))
	// tail(B) = 1; s = (100 - 1) / 100 = 1 - 1/n.
	check(t, "B", r, want{score: 0.99, total: 0.99, probability: 0.01, uniqueness: 1,
		info: math.Log2(100), sequence: n, index: 0, value: "B", novelty: math.Log2(100), warm: true})
}

func TestRareStatusCode(t *testing.T) {
	c := NewContext(Options{})
	for range 999 {
		observe(t, c, texts("GET", "200"))
	}
	r := observe(t, c, texts("GET", "500"))
	// Component 0: GET is every observation, s = 0. Component 1: n = 1000,
	// c = 1, 200 (999) is more common: s = 999/1000.
	check(t, "500", r, want{score: 0.999, total: 0.999, probability: 0.001, uniqueness: 1,
		info: math.Log2(1000), sequence: 1000, index: 1, value: "500", novelty: math.Log2(1000), warm: true})
	got := string(r.AppendJSON(nil))
	const wantJSON = `{"observation":["GET","500"],"score":0.999,"totalObsScore":0.999,"sequence":1000,` +
		`"probability":0.001,"uniqueness":1,"infoContent":9.965784284662087,` +
		`"mostNovelComponent":{"index":1,"value":"500","novelty":9.965784284662087}}`
	if got != wantJSON {
		t.Errorf("JSON\n got %s\nwant %s", got, wantJSON)
	}
}

func TestMySampleObservation(t *testing.T) {
	c := NewContext(Options{})
	observe(t, c, texts("my", "sample", "observation"))
	r2 := observe(t, c, texts("my", "sample", "X"))
	// X and observation both have count 1: neither is more common. The
	// last component carries the surprisal, log2(2) - log2(1) = 1.
	check(t, "second", r2, want{probability: 0.5, uniqueness: 1, info: 1, sequence: 2,
		index: 2, value: "X", novelty: 1, warm: true})
	r3 := observe(t, c, texts("my", "sample", "observation"))
	bits := math.Log2(3) - 1
	// uniqueness = 1 - (2-1)/(3-1) = 0.5.
	check(t, "third", r3, want{probability: 2.0 / 3, uniqueness: 0.5, info: bits, sequence: 3,
		index: 2, value: "observation", novelty: bits, warm: true})
	if math.Abs(r3.Probability-0.6667) > 5e-5 || math.Abs(r3.InfoContent-0.585) > 5e-4 {
		t.Errorf("third: probability %v, infoContent %v", r3.Probability, r3.InfoContent)
	}
}

func TestTailCountsEveryLessCommonChild(t *testing.T) {
	c := NewContext(Options{})
	for _, step := range []struct {
		value string
		times int
	}{{"A", 5}, {"B", 3}, {"C", 1}} {
		for range step.times {
			observe(t, c, texts(step.value))
		}
	}
	// C goes to 2: more common are A (5) and B (3): s = 8/10.
	r := observe(t, c, texts("C"))
	check(t, "C", r, want{score: 0.8, total: 0.8, probability: 0.2, uniqueness: 8.0 / 9,
		info: math.Log2(10) - 1, sequence: 10, index: 0, value: "C", novelty: math.Log2(10) - 1, warm: true})
	// B goes to 4: only A is more common: s = 5/11.
	r = observe(t, c, texts("B"))
	check(t, "B", r, want{score: 5.0 / 11, total: 5.0 / 11, probability: 4.0 / 11, uniqueness: 7.0 / 10,
		info: math.Log2(11) - 2, sequence: 11, index: 0, value: "B", novelty: math.Log2(11) - 2, warm: true})
}

func TestNullIsItsOwnValue(t *testing.T) {
	c := NewContext(Options{})
	for range 3 {
		observe(t, c, []types.Datum{types.Null})
	}
	for _, v := range []string{"", "NULL"} {
		r := read(t, c, texts(v))
		if r.Probability != 0.25 || r.Score != 0.75 {
			t.Errorf("%q after 3 NULLs: probability %v score %v, want 0.25 and 0.75", v, r.Probability, r.Score)
		}
	}
	r := observe(t, c, []types.Datum{types.Null})
	if r.Probability != 1 || !r.Nulls[0] {
		t.Errorf("NULL: probability %v, nulls %v", r.Probability, r.Nulls)
	}
	if got := string(r.AppendJSON(nil)); !bytes.Contains([]byte(got), []byte(`"observation":[null]`)) ||
		!bytes.Contains([]byte(got), []byte(`"value":null`)) {
		t.Errorf("NULL JSON: %s", got)
	}
}

func TestValuesCompareAsText(t *testing.T) {
	c := NewContext(Options{})
	observe(t, c, []types.Datum{types.NewInt(1)})
	r := observe(t, c, texts("1"))
	if r.Probability != 1 {
		t.Errorf("1 then '1': probability %v, want 1", r.Probability)
	}
}

func TestArityError(t *testing.T) {
	c := NewContext(Options{})
	observe(t, c, texts("a", "b", "c"))
	before, _ := c.MarshalBinary()
	var r Result
	for name, call := range map[string]func([]types.Datum, *Result) error{"Observe": c.Observe, "Read": c.Read} {
		err := call(texts("a", "b"), &r)
		e, ok := types.AsError(err)
		if !ok || e.Code != types.CodeInvalidParameterValue || e.Message != "novelty context expects 3 components, got 2" {
			t.Errorf("%s with 2 components: %v", name, err)
		}
		if err := call(nil, &r); types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("%s with no components: %v", name, err)
		}
	}
	after, _ := c.MarshalBinary()
	if !bytes.Equal(before, after) {
		t.Error("a rejected observation changed the state")
	}
}

func TestMinSupport(t *testing.T) {
	c := NewContext(Options{MinSupport: 3})
	observe(t, c, texts("A", "x"))
	r := observe(t, c, texts("B", "y"))
	// Root has 2 < 3 observations: component 0 is cold; so is 1 (prefix B
	// has 1 observation).
	check(t, "cold", r, want{probability: 0.5, uniqueness: 1, info: 1, sequence: 2, index: 0, value: "B"})
	if got := string(r.AppendJSON(nil)); !bytes.HasSuffix([]byte(got), []byte(`},"warm":false}`)) {
		t.Errorf("cold JSON: %s", got)
	}
	r = observe(t, c, texts("A", "x"))
	// Root now has 3: component 0 is warm (A: 2 of 3, B: 1, s = 0);
	// prefix A has 2 < 3, so component 1 is still cold.
	check(t, "half warm", r, want{probability: 2.0 / 3, uniqueness: 0.5, info: math.Log2(3) - 1, sequence: 3,
		index: 0, value: "A", novelty: math.Log2(3) - 1})
	r = observe(t, c, texts("C", "z"))
	// Component 0: A (2) is more common than C: s = 2/4; prefix C is cold.
	check(t, "still cold", r, want{score: 0.5, total: 0.5, probability: 0.25, uniqueness: 1, info: 2, sequence: 4,
		index: 0, value: "C", novelty: 2})
	r = observe(t, c, texts("A", "x"))
	// Prefix A now has 3 observations: everything is warm.
	check(t, "warm", r, want{probability: 3.0 / 5, uniqueness: 0.5, info: math.Log2(5) - math.Log2(3), sequence: 5,
		index: 0, value: "A", novelty: math.Log2(5) - math.Log2(3), warm: true})
	if got := string(r.AppendJSON(nil)); bytes.Contains([]byte(got), []byte("warm")) {
		t.Errorf("warm JSON mentions warm: %s", got)
	}
}

func TestHalfLife(t *testing.T) {
	c := NewContext(Options{HalfLife: 4})
	observe(t, c, texts("A"))
	for range 3 {
		observe(t, c, texts("B"))
	}
	// After the 4th observation: root 4 -> 2, B 3 -> 1, A 1 -> 0 (removed).
	if s := c.Stats(); s.Nodes != 1 || s.Observations != 4 {
		t.Fatalf("after halving: %+v", s)
	}
	r := read(t, c, texts("B"))
	check(t, "B", r, want{probability: 2.0 / 3, uniqueness: 0.5, info: math.Log2(3) - 1, sequence: 5,
		index: 0, value: "B", novelty: math.Log2(3) - 1, warm: true})
	// A is forgotten: new again, and B (1) is not more common than it.
	r = read(t, c, texts("A"))
	check(t, "A", r, want{probability: 1.0 / 3, uniqueness: 1, info: math.Log2(3), sequence: 5,
		index: 0, value: "A", novelty: math.Log2(3), warm: true})
}

func TestHalfLifeOfOneForgetsEverything(t *testing.T) {
	c := NewContext(Options{HalfLife: 1})
	for i := range 10 {
		r := observe(t, c, texts("a", string(rune('a'+i))))
		check(t, "obs", r, want{probability: 1, uniqueness: 1, sequence: int64(i + 1), index: 0, value: "a", warm: true})
		if s := c.Stats(); s.Nodes != 0 {
			t.Fatalf("after %d: %d nodes", i+1, s.Nodes)
		}
	}
}

func TestEvictionFoldsIntoOther(t *testing.T) {
	c := NewContext(Options{MaxNodes: 2})
	for _, v := range []string{"A", "A", "A", "B", "C"} {
		observe(t, c, texts(v))
	}
	// 3 nodes > 2: B (count 1, seen before C) is evicted.
	if s := c.Stats(); s.Nodes != 2 {
		t.Fatalf("nodes %d, want 2", s.Nodes)
	}
	// B is new again, its count stays in the root's: n = 6, more common
	// than a new value is A (3) only; C (1) and the evicted 1 are in the tail.
	r := read(t, c, texts("B"))
	check(t, "B", r, want{score: 0.5, total: 0.5, probability: 1.0 / 6, uniqueness: 1, info: math.Log2(6),
		sequence: 6, index: 0, value: "B", novelty: math.Log2(6), warm: true})
	r = observe(t, c, texts("C"))
	check(t, "C", r, want{score: 0.5, total: 0.5, probability: 2.0 / 6, uniqueness: 0.8, info: math.Log2(6) - 1,
		sequence: 6, index: 0, value: "C", novelty: math.Log2(6) - 1, warm: true})
}

func TestEvictionOrder(t *testing.T) {
	c := NewContext(Options{MaxNodes: 8}) // evicts down to 7
	for _, v := range []string{"b", "a", "c", "c", "d", "e", "f", "g", "h"} {
		observe(t, c, texts(v))
	}
	observe(t, c, texts("x"))
	// 9 nodes > 8: evict b then a (count 1, least recently seen). A kept
	// value read now has count >= 2 of 11.
	for v, kept := range map[string]bool{"a": false, "b": false, "c": true, "d": true, "x": true} {
		r := read(t, c, texts(v))
		if (r.Probability > 1.0/10) != kept {
			t.Errorf("%s: probability %v, kept %v", v, r.Probability, kept)
		}
	}
}

func TestJSON(t *testing.T) {
	r := Result{
		Observation: []string{"a\"b\\\n\x01", "", "é\xff"},
		Nulls:       []bool{false, true, false},
		Score:       1e-7, TotalObsScore: 0.5, Sequence: 7, Probability: 1, Uniqueness: 0, InfoContent: 2.5,
		MostNovel: MostNovelComponent{Index: 1, Novelty: 3}, Warm: true,
	}
	const wantJSON = `{"observation":["a\"b\\\n\u0001",null,"é\ufffd"],"score":1e-07,"totalObsScore":0.5,` +
		`"sequence":7,"probability":1,"uniqueness":0,"infoContent":2.5,` +
		`"mostNovelComponent":{"index":1,"value":null,"novelty":3}}`
	if got := string(r.AppendJSON(nil)); got != wantJSON {
		t.Errorf("JSON\n got %s\nwant %s", got, wantJSON)
	}
}

func TestReset(t *testing.T) {
	c := NewContext(Options{MaxNodes: 9})
	observe(t, c, texts("a", "b"))
	c.Reset()
	if s := c.Stats(); s.Nodes != 0 || s.Observations != 0 || c.Options().MaxNodes != 9 {
		t.Fatalf("after reset: %+v %+v", s, c.Options())
	}
	r := observe(t, c, texts("a"))
	if r.Sequence != 1 {
		t.Errorf("sequence after reset %d", r.Sequence)
	}
}

func TestNoAllocationForSeenValues(t *testing.T) {
	c := NewContext(Options{})
	obs := [][]types.Datum{texts("GET", "200", "/a"), texts("GET", "500", "/b"), texts("PUT", "200", "/a")}
	var r Result
	for _, o := range obs {
		if err := c.Observe(o, &r); err != nil {
			t.Fatal(err)
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		_ = c.Observe(obs[i%len(obs)], &r)
		_ = c.Read(obs[(i+1)%len(obs)], &r)
		i++
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Observe+Read of seen values", allocs)
	}
}
