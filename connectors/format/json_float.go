package format

// exactPow10 are the powers of ten a float64 holds exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat64 reads the validated JSON number v when it has no exponent,
// at most 2^53 as its digits without the point, and at most 22 fraction
// digits: both the digits and the power of ten are then exact float64s, so
// their quotient is the correctly rounded value strconv.ParseFloat returns
// (Clinger's fast path). ok is false for every other number.
func fastFloat64(v []byte) (f float64, ok bool) {
	i := 0
	neg := v[0] == '-'
	if neg {
		i++
	}
	var mant uint64
	frac := -1 // fraction digits seen; -1 before the point
	for ; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + uint64(c-'0')
			if mant > 1<<53 {
				return 0, false
			}
			if frac >= 0 {
				frac++
			}
		case c == '.':
			frac = 0
		default: // an exponent
			return 0, false
		}
	}
	f = float64(mant)
	if frac > 0 {
		if frac >= len(exactPow10) {
			return 0, false
		}
		f /= exactPow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}
