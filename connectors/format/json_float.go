package format

// exactPow10 are the powers of ten a float64 holds exactly.
var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// maxExactMantissa is the largest integer below which every integer is an
// exact float64 (2^53).
const maxExactMantissa = 1 << 53

// jsonNumber holds what readNumber learned of a number while finding its
// end: enough to convert the common cases without reading it again.
type jsonNumber struct {
	// mant is the number's digits without the point, as an integer; it is
	// only meaningful when wide is false.
	mant uint64
	// wide says the digits may not be an exact float64: there are more
	// than 19 of them (mant wrapped) or their value is over 2^53.
	wide bool
	// frac is the number of digits after the point, -1 without a point.
	frac int
	neg  bool
	// exp says the number has an exponent.
	exp bool
}

// maxMantissaDigits is the most digits a uint64 mantissa holds without
// wrapping (10^19 < 2^64).
const maxMantissaDigits = 19

// float64 returns the number when it has no exponent, at most 2^53 as its
// digits without the point, and at most 22 fraction digits: both the digits
// and the power of ten are then exact float64s, so their quotient is the
// correctly rounded value strconv.ParseFloat returns (Clinger's fast path).
// ok is false for every other number.
func (n jsonNumber) float64() (f float64, ok bool) {
	if n.exp || n.wide || n.frac >= len(exactPow10) {
		return 0, false
	}
	f = float64(n.mant)
	if n.frac > 0 {
		f /= exactPow10[n.frac]
	}
	if n.neg {
		f = -f
	}
	return f, true
}

// int64 returns the number when it is plain digits (no point, no
// exponent) of at most 2^53; ok is false for every other number.
func (n jsonNumber) int64() (v int64, ok bool) {
	if n.exp || n.wide || n.frac >= 0 {
		return 0, false
	}
	v = int64(n.mant)
	if n.neg {
		v = -v
	}
	return v, true
}

// readNumber validates the JSON number -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
// starting at raw[i], stores its parts in *n and returns the offset after
// it. (Parts go through a pointer: returned, they took as long to copy out
// as the digits took to read.)
func readNumber(raw []byte, i int, n *jsonNumber) (int, error) {
	start := i
	*n = jsonNumber{frac: -1}
	if raw[i] == '-' {
		n.neg = true
		i++
	}
	first := i
	if i < len(raw) && raw[i] == '0' {
		i++
	} else if i, n.mant = appendDigits(raw, i, 0); i == first {
		return start, jsonSyntaxError(start, "invalid number")
	}
	digits := i - first
	if i < len(raw) && raw[i] == '.' {
		i++
		point := i
		if i, n.mant = appendDigits(raw, i, n.mant); i == point {
			return start, jsonSyntaxError(start, "invalid number")
		}
		n.frac = i - point
		digits += n.frac
	}
	if digits > maxMantissaDigits {
		digits -= leadingZeros(raw[first:i])
	}
	n.wide = digits > maxMantissaDigits || n.mant > maxExactMantissa
	if i < len(raw) && (raw[i] == 'e' || raw[i] == 'E') {
		n.exp = true
		i++
		if i < len(raw) && (raw[i] == '+' || raw[i] == '-') {
			i++
		}
		exp := i
		if i, _ = appendDigits(raw, i, 0); i == exp {
			return start, jsonSyntaxError(start, "invalid number")
		}
	}
	return i, nil
}

// appendDigits reads the decimal digits starting at raw[i] onto mant
// (wrapping past 19 digits) and returns the offset after them.
func appendDigits(raw []byte, i int, mant uint64) (int, uint64) {
	for ; i < len(raw) && isDigit(raw[i]); i++ {
		mant = mant*10 + uint64(raw[i]-'0')
	}
	return i, mant
}

// leadingZeros counts the zeros before the first other digit of a
// number's digits and point: they add digits but no value ("0.0001").
func leadingZeros(digits []byte) int {
	n := 0
	for _, c := range digits {
		switch c {
		case '0':
			n++
		case '.':
		default:
			return n
		}
	}
	return n
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// fastFloat64 reads the validated JSON number v on jsonNumber.float64's
// fast path; ok is false when v needs strconv.ParseFloat.
func fastFloat64(v []byte) (f float64, ok bool) {
	var n jsonNumber
	end, err := readNumber(v, 0, &n)
	if err != nil || end != len(v) {
		return 0, false
	}
	return n.float64()
}
