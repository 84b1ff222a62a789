package storage

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// sameFamilyTypes groups the types by family, for drawing comparable pairs.
func sameFamilyTypes() map[types.Family][]types.Type {
	byFamily := map[types.Family][]types.Type{}
	for _, typ := range allTypes()[1:] {
		byFamily[typ.Family()] = append(byFamily[typ.Family()], typ)
	}
	return byFamily
}

// randomKeyDatum draws a value of family f, or NULL one time in ten.
func randomKeyDatum(r *rand.Rand, typs []types.Type) types.Datum {
	if r.IntN(10) == 0 {
		return types.Null
	}
	d := randomDatum(r, typs[r.IntN(len(typs))])
	if d.Typ.Family() == types.FamilyString || d.Typ.Family() == types.FamilyBytes {
		d.S = randomString(r, 4) // short, so that ties and prefixes are common
	}
	if d.Typ.Family() == types.FamilyInterval && r.IntN(2) == 0 {
		d.Months, d.Days, d.I = int32(r.IntN(3)), int32(r.IntN(61)), int64(r.IntN(3))*types.MicrosPerDay
	}
	return d
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

func TestAppendKeyOrderMatchesCompare(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for family, typs := range sameFamilyTypes() {
		for range 5000 {
			a, b := randomKeyDatum(r, typs), randomKeyDatum(r, typs)
			want, ok := types.Compare(a, b)
			if !ok {
				t.Fatalf("family %d: Compare(%+v, %+v) not ok", family, a, b)
			}
			got := bytes.Compare(AppendKey(nil, a), AppendKey(nil, b))
			if sign(got) != want {
				t.Fatalf("family %d: keys of %+v and %+v compare %d, Compare says %d", family, a, b, got, want)
			}
		}
	}
}

// TestAppendKeyCompositeOrder checks that concatenated keys order column
// by column, which needs the string terminator to sort below any content.
func TestAppendKeyCompositeOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	families := sameFamilyTypes()
	strs, ints := families[types.FamilyString], families[types.FamilyInt]
	for range 5000 {
		a := []types.Datum{randomKeyDatum(r, strs), randomKeyDatum(r, ints)}
		b := []types.Datum{randomKeyDatum(r, strs), randomKeyDatum(r, ints)}
		want, _ := types.Compare(a[0], b[0])
		if want == 0 {
			want, _ = types.Compare(a[1], b[1])
		}
		ka := AppendKey(AppendKey(nil, a[0]), a[1])
		kb := AppendKey(AppendKey(nil, b[0]), b[1])
		if got := bytes.Compare(ka, kb); sign(got) != want {
			t.Fatalf("keys of %+v and %+v compare %d, want %d", a, b, got, want)
		}
	}
}

func TestAppendKeyExamples(t *testing.T) {
	tests := []struct {
		name string
		d    types.Datum
		want []byte
	}{
		{"null", types.Null, []byte{0xFF}},
		{"int zero", types.NewInt(0), []byte{byte(types.FamilyInt), 0x80, 0, 0, 0, 0, 0, 0, 0}},
		{"int minus one", types.NewInt(-1), []byte{byte(types.FamilyInt), 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}},
		{"string with zero byte", types.NewText("a\x00b"), []byte{byte(types.FamilyString), 'a', 0x00, 0xFF, 'b', 0x00, 0x01}},
		{"empty string", types.NewText(""), []byte{byte(types.FamilyString), 0x00, 0x01}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := AppendKey(nil, tc.d); !bytes.Equal(got, tc.want) {
				t.Fatalf("got % x, want % x", got, tc.want)
			}
		})
	}
}
