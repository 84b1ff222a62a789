package nexmark

import "math/bits"

// rng is a small, fast pseudo-random generator (wyrand). Every event gets its
// own, seeded from the user's seed and the event's id, so event n is the same
// however a reader got to it.
type rng struct{ s uint64 }

// newRNG returns the generator of stream within seed.
func newRNG(seed, stream uint64) rng {
	return rng{s: mix64(mix64(seed) ^ stream)}
}

// mix64 is the splitmix64 finaliser: a bijection that spreads nearby inputs.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func (r *rng) next() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// intn returns a value in [0, n); n must be positive.
func (r *rng) intn(n int64) int64 {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

// float64 returns a value in [0, 1).
func (r *rng) float64() float64 { return float64(r.next()>>11) / (1 << 53) }

// lettersPerDraw is how many letters one 64-bit draw yields: each letter
// takes log2(26) < 4.7 bits off the top, so 8 letters leave the last one
// more than 26 bits of precision.
const lettersPerDraw = 8

// appendLetters appends n random lower-case letters to dst.
func (r *rng) appendLetters(dst []byte, n int) []byte {
	for n > 0 {
		x := r.next()
		for k := min(n, lettersPerDraw); k > 0; k-- {
			hi, lo := bits.Mul64(x, 26)
			dst = append(dst, 'a'+byte(hi))
			x = lo
			n--
		}
	}
	return dst
}
