package functions

import (
	"fmt"
	"math"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// aggregateList registers the aggregate functions. Every aggregate but
// count(*) skips NULL inputs, and all but count return NULL for a group
// without any non-NULL input, as in Postgres.
func aggregateList() []*Aggregate {
	i8, f8, num, iv := types.Int8, types.Float8, types.Numeric, types.Interval
	out := []*Aggregate{
		{Name: "count", Result: i8, New: func() AggState { return &countState{star: true} }},
		{Name: "count", Args: sig(anyType), Result: i8, New: func() AggState { return &countState{} }},
		{Name: "sum", Args: sig(types.Int2), Result: i8, New: func() AggState { return &intSumState{result: i8} }},
		{Name: "sum", Args: sig(types.Int4), Result: i8, New: func() AggState { return &intSumState{result: i8} }},
		{Name: "sum", Args: sig(i8), Result: num, New: func() AggState { return &intSumState{result: num} }},
		{Name: "sum", Args: sig(num), Result: num, New: func() AggState { return &floatSumState{result: num} }},
		{Name: "sum", Args: sig(types.Float4), Result: types.Float4, New: func() AggState { return &floatSumState{result: types.Float4} }},
		{Name: "sum", Args: sig(f8), Result: f8, New: func() AggState { return &floatSumState{result: f8} }},
		{Name: "sum", Args: sig(iv), Result: iv, New: func() AggState { return &intervalSumState{} }},
		{Name: "avg", Args: sig(iv), Result: iv, New: func() AggState { return &intervalSumState{avg: true} }},
		{Name: "bool_and", Args: sig(types.Bool), Result: types.Bool, New: func() AggState { return &boolState{all: true} }},
		{Name: "every", Args: sig(types.Bool), Result: types.Bool, New: func() AggState { return &boolState{all: true} }},
		{Name: "bool_or", Args: sig(types.Bool), Result: types.Bool, New: func() AggState { return &boolState{} }},
		{Name: "string_agg", Args: sig(types.Text, types.Text), Result: types.Text, New: func() AggState { return &stringAggState{} }},
		{Name: "approx_count_distinct", Args: sig(anyType), Result: i8, New: func() AggState { return &hllState{} }},
		{Name: "approx_percentile", Args: sig(f8, f8), Result: f8, New: func() AggState { return &percentileState{} }},
	}
	for _, t := range intTypes {
		out = append(out, &Aggregate{Name: "avg", Args: sig(t), Result: num, New: func() AggState { return &intSumState{result: num, avg: true} }})
	}
	for _, t := range floatTypes {
		result := f8
		if t == num {
			result = num
		}
		out = append(out, &Aggregate{Name: "avg", Args: sig(t), Result: result, New: func() AggState { return &floatSumState{result: result, avg: true} }})
	}
	for _, t := range valueTypes {
		out = append(out,
			&Aggregate{Name: "min", Args: sig(t), Result: t, New: func() AggState { return &extremeState{sign: -1} }},
			&Aggregate{Name: "max", Args: sig(t), Result: t, New: func() AggState { return &extremeState{sign: 1} }},
			&Aggregate{Name: "first_value", Args: sig(t), Result: t, New: func() AggState { return &pickState{} }},
			&Aggregate{Name: "last_value", Args: sig(t), Result: t, New: func() AggState { return &pickState{last: true} }},
		)
	}
	return out
}

// mergeable returns other as the receiver's own state type; a state of
// another aggregate is the caller's bug, reported as an internal error.
func mergeable[T AggState](receiver T, other AggState) (T, error) {
	o, ok := other.(T)
	if !ok {
		return o, types.Errorf(types.CodeInternalError, "%s", fmt.Sprintf("cannot merge aggregate state %T into %T", other, receiver))
	}
	return o, nil
}

// countState is count(*) (star: every row) or count(x) (non-NULL x).
type countState struct {
	star bool
	n    int64
}

func (s *countState) Add(args []types.Datum) error {
	if s.star || !args[0].IsNull() {
		s.n++
	}
	return nil
}

func (s *countState) Result() types.Datum { return types.NewInt(s.n) }

func (s *countState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil {
		return err
	}
	s.n += o.n
	return nil
}

func (s *countState) Clone() AggState { c := *s; return &c }

// intSumState sums integers exactly in int64. Into bigint it reports
// overflow; into numeric it carries on in float64 past the int64 range.
type intSumState struct {
	result   types.Type // Int8 or Numeric
	avg      bool
	n        int64
	sum      int64
	overflow bool
	fsum     float64 // the sum, once it left the int64 range
}

func (s *intSumState) Add(args []types.Datum) error {
	if args[0].IsNull() {
		return nil
	}
	s.n++
	if s.overflow {
		s.fsum += float64(args[0].I)
		return nil
	}
	r, ok, _ := addInt(s.sum, args[0].I)
	if !ok {
		if s.result == types.Int8 {
			return outOfRange(types.Int8)
		}
		s.overflow = true
		s.fsum = float64(s.sum) + float64(args[0].I)
		return nil
	}
	s.sum = r
	return nil
}

// total is the sum as a float64.
func (s *intSumState) total() float64 {
	if s.overflow {
		return s.fsum
	}
	return float64(s.sum)
}

func (s *intSumState) Result() types.Datum {
	if s.n == 0 {
		return types.Null
	}
	total := s.total()
	switch {
	case s.avg:
		return types.NewFloatOf(s.result, total/float64(s.n))
	case s.result == types.Int8:
		return types.NewInt(s.sum)
	}
	return types.NewFloatOf(s.result, total)
}

// Merge adds the two sums exactly while both fit int64; past that (into
// numeric) the float64 sum may differ from adding row by row in the last
// bits, as any reassociation of floating-point additions does.
func (s *intSumState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil || o.n == 0 {
		return err
	}
	if !s.overflow && !o.overflow {
		if r, ok, _ := addInt(s.sum, o.sum); ok {
			s.sum, s.n = r, s.n+o.n
			return nil
		}
		if s.result == types.Int8 {
			return outOfRange(types.Int8)
		}
	}
	s.fsum, s.overflow, s.n = s.total()+o.total(), true, s.n+o.n
	return nil
}

func (s *intSumState) Clone() AggState { c := *s; return &c }

// floatSumState sums floats (and numeric, which is stored as float64).
type floatSumState struct {
	result types.Type
	avg    bool
	n      int64
	sum    float64
}

func (s *floatSumState) Add(args []types.Datum) error {
	if args[0].IsNull() {
		return nil
	}
	v := args[0].F
	r := s.sum + v
	if math.IsInf(r, 0) && !math.IsInf(s.sum, 0) && !math.IsInf(v, 0) {
		return outOfRange(s.result)
	}
	s.sum = r
	s.n++
	return nil
}

func (s *floatSumState) Result() types.Datum {
	switch {
	case s.n == 0:
		return types.Null
	case s.avg:
		return types.NewFloatOf(s.result, s.sum/float64(s.n))
	case s.result == types.Float4:
		return types.NewFloatOf(s.result, float64(float32(s.sum)))
	}
	return types.NewFloatOf(s.result, s.sum)
}

// Merge adds the two partial sums: exact when the additions are (values
// on a common binary scale), otherwise it may differ from adding row by
// row in the last bits, as any reassociation of float additions does.
func (s *floatSumState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil || o.n == 0 {
		return err
	}
	r := s.sum + o.sum
	if math.IsInf(r, 0) && !math.IsInf(s.sum, 0) && !math.IsInf(o.sum, 0) {
		return outOfRange(s.result)
	}
	s.sum, s.n = r, s.n+o.n
	return nil
}

func (s *floatSumState) Clone() AggState { c := *s; return &c }

// intervalSumState is sum or avg over intervals, field by field.
type intervalSumState struct {
	avg                  bool
	n                    int64
	months, days, micros int64
}

func (s *intervalSumState) Add(args []types.Datum) error {
	d := args[0]
	if d.IsNull() {
		return nil
	}
	micros, ok, _ := addInt(s.micros, d.I)
	if !ok {
		return outOfRange(types.Interval)
	}
	s.n++
	s.months += int64(d.Months)
	s.days += int64(d.Days)
	s.micros = micros
	return nil
}

// Result returns NULL also when the sum no longer fits an interval: Result
// cannot report errors, and Add already rejects microsecond overflow.
func (s *intervalSumState) Result() types.Datum {
	if s.n == 0 {
		return types.Null
	}
	if s.avg {
		// Divide in float64: the sums may exceed int32 before dividing.
		n := float64(s.n)
		months := float64(s.months) / n
		wholeMonths := math.Trunc(months)
		days := float64(s.days)/n + (months-wholeMonths)*30
		wholeDays := math.Trunc(days)
		micros := math.Round(float64(s.micros)/n + (days-wholeDays)*types.MicrosPerDay)
		r, err := makeInterval(int64(wholeMonths), int64(wholeDays), int64(micros))
		if err != nil {
			return types.Null
		}
		return r
	}
	r, err := makeInterval(s.months, s.days, s.micros)
	if err != nil {
		return types.Null
	}
	return r
}

func (s *intervalSumState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil || o.n == 0 {
		return err
	}
	micros, ok, _ := addInt(s.micros, o.micros)
	if !ok {
		return outOfRange(types.Interval)
	}
	s.n += o.n
	s.months += o.months
	s.days += o.days
	s.micros = micros
	return nil
}

func (s *intervalSumState) Clone() AggState { c := *s; return &c }

// boolState is bool_and/every (all) or bool_or.
type boolState struct {
	all  bool
	seen bool
	acc  bool
}

func (s *boolState) Add(args []types.Datum) error {
	if args[0].IsNull() {
		return nil
	}
	v := args[0].Bool()
	switch {
	case !s.seen:
		s.acc = v
	case s.all:
		s.acc = s.acc && v
	default:
		s.acc = s.acc || v
	}
	s.seen = true
	return nil
}

func (s *boolState) Result() types.Datum {
	if !s.seen {
		return types.Null
	}
	return types.NewBool(s.acc)
}

func (s *boolState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil || !o.seen {
		return err
	}
	switch {
	case !s.seen:
		s.acc = o.acc
	case s.all:
		s.acc = s.acc && o.acc
	default:
		s.acc = s.acc || o.acc
	}
	s.seen = true
	return nil
}

func (s *boolState) Clone() AggState { c := *s; return &c }

// stringAggState is string_agg(value, delimiter): each value after the
// first is preceded by its own row's delimiter (none when NULL).
type stringAggState struct {
	seen bool
	// firstDelim is the delimiter of the first value, written when a
	// merge puts another state's text before it.
	firstDelim string
	sb         strings.Builder
}

func (s *stringAggState) Add(args []types.Datum) error {
	if args[0].IsNull() {
		return nil
	}
	if s.seen {
		s.sb.WriteString(args[1].S)
	} else {
		s.firstDelim = args[1].S
	}
	s.seen = true
	s.sb.WriteString(args[0].S)
	return nil
}

// Merge appends other's text after this one's, joined by the delimiter
// of other's first value, as adding other's rows one by one would.
func (s *stringAggState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil || !o.seen {
		return err
	}
	if s.seen {
		s.sb.WriteString(o.firstDelim)
	} else {
		s.seen, s.firstDelim = true, o.firstDelim
	}
	s.sb.WriteString(o.sb.String())
	return nil
}

func (s *stringAggState) Clone() AggState {
	c := &stringAggState{seen: s.seen, firstDelim: s.firstDelim}
	c.sb.WriteString(s.sb.String())
	return c
}

func (s *stringAggState) Result() types.Datum {
	if !s.seen {
		return types.Null
	}
	return types.NewText(s.sb.String())
}

// extremeState is min (sign -1) or max (sign 1).
type extremeState struct {
	sign int
	best types.Datum
}

func (s *extremeState) Add(args []types.Datum) error {
	d := args[0]
	if d.IsNull() {
		return nil
	}
	if s.best.IsNull() {
		s.best = d
		return nil
	}
	c, err := compare(d, s.best)
	if err != nil {
		return err
	}
	if c*s.sign > 0 {
		s.best = d
	}
	return nil
}

func (s *extremeState) Result() types.Datum { return s.best }

// Merge keeps this state's value on ties, as Add keeps the earlier row's.
func (s *extremeState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil || o.best.IsNull() {
		return err
	}
	if s.best.IsNull() {
		s.best = o.best
		return nil
	}
	c, err := compare(o.best, s.best)
	if err != nil {
		return err
	}
	if c*s.sign > 0 {
		s.best = o.best
	}
	return nil
}

func (s *extremeState) Clone() AggState { c := *s; return &c }

// pickState is first_value or last_value in arrival order. Like Flink's
// FIRST_VALUE and LAST_VALUE aggregates it ignores NULLs.
type pickState struct {
	last bool
	v    types.Datum
}

func (s *pickState) Add(args []types.Datum) error {
	if args[0].IsNull() || !s.last && !s.v.IsNull() {
		return nil
	}
	s.v = args[0]
	return nil
}

func (s *pickState) Result() types.Datum { return s.v }

// Merge keeps this state's value for first_value unless it has none, and
// other's for last_value unless other has none.
func (s *pickState) Merge(other AggState) error {
	o, err := mergeable(s, other)
	if err != nil || o.v.IsNull() {
		return err
	}
	if s.last || s.v.IsNull() {
		s.v = o.v
	}
	return nil
}

func (s *pickState) Clone() AggState { c := *s; return &c }
