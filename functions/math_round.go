package functions

import (
	"math"
	"strconv"

	"github.com/novelty-db/novelty/types"
)

// roundDigits is round(x, n) (or trunc(x, n) when truncate): x rounded to n
// decimal digits after the point (before it when n is negative), half away
// from zero. It works on x's shortest decimal form, so round(2.675, 2) is
// 2.68 as for Postgres' numeric, not 2.67 as binary arithmetic would give.
func roundDigits(t types.Type, truncate bool) Impl {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return floatResult(t, roundDecimal(a[0].F, a[1].I, truncate), math.IsInf(a[0].F, 0))
	}
}

func roundDecimal(x float64, n int64, truncate bool) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	neg := x < 0
	text := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	point := len(text)
	for i := 0; i < len(text); i++ {
		if text[i] == '.' {
			point = i
			break
		}
	}
	digits := []byte(text[:point])
	if point < len(text) {
		digits = append(digits, text[point+1:]...)
	}
	keep := int64(point) + n
	if keep >= int64(len(digits)) {
		return x
	}
	if keep < 0 {
		return 0
	}
	roundUp := !truncate && digits[keep] >= '5'
	kept := digits[:keep]
	if roundUp {
		kept = incrementDecimal(kept)
		point += len(kept) - int(keep) // a carry out of the top adds a digit
	}
	// Rebuild "kept" with the decimal point at position point, padding with
	// zeros when the rounding position lies left of the point.
	for len(kept) < point {
		kept = append(kept, '0')
	}
	out := append([]byte{}, kept[:point]...)
	if len(out) == 0 {
		out = append(out, '0')
	}
	if point < len(kept) {
		out = append(out, '.')
		out = append(out, kept[point:]...)
	}
	r, err := strconv.ParseFloat(string(out), 64)
	if err != nil {
		return x
	}
	if neg && r != 0 {
		r = -r
	}
	return r
}

// incrementDecimal adds one unit in the last place to a string of digits,
// growing it by a leading 1 on a carry out of the top. An empty string
// becomes "1".
func incrementDecimal(d []byte) []byte {
	d = append([]byte{}, d...)
	for i := len(d) - 1; i >= 0; i-- {
		if d[i] < '9' {
			d[i]++
			return d
		}
		d[i] = '0'
	}
	return append([]byte{'1'}, d...)
}
