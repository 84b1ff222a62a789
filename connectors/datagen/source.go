// Package datagen generates rows of random or sequential values for a
// declared schema, deterministically from a seed: row n is the same for a
// given seed and declaration however a reader got to it (timestamps
// excepted, which follow the clock), so a source's offset is the next row
// number.
//
// The package depends only on types; Source satisfies connectors.Source
// structurally.
package datagen

import (
	"context"
	"errors"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/novelty-db/novelty/types"
)

// Pacer holds emission back to a real-time rate.
type Pacer interface {
	// Due blocks until position next is due and returns the exclusive bound
	// of the positions due now (greater than next), or ctx's error.
	Due(ctx context.Context, next int64) (int64, error)
}

// DefaultTimeStep is how far timestamp columns advance per row when
// Config.TimeStep is 0.
const DefaultTimeStep = time.Millisecond

// Config configures a Source.
type Config struct {
	// Columns are the rows' columns; Fields (from ParseFields) says how
	// each is generated.
	Columns types.Schema
	Fields  []Field
	// Rows bounds the rows; 0 is unbounded. A sequence with a maximum
	// bounds them too.
	Rows int64
	// Seed varies every random value; the same seed gives the same rows.
	Seed int64
	// TimeStep is how far timestamp and date columns advance per row;
	// 0 means DefaultTimeStep.
	TimeStep time.Duration
	// Clock stamps the first row read after Open; nil means time.Now.
	Clock func() time.Time
	// Pacer, when set, paces emission by row number; nil emits as fast as
	// Read is called.
	Pacer Pacer
}

// Source yields generated rows.
type Source struct {
	cfg    Config
	seed   uint64
	end    int64 // the first row number not generated
	next   int64 // the row number after the last one returned
	opened bool
	first  int64 // the row number stamped with start
	start  int64 // microseconds since the epoch of row first
	buf    []byte
	spans  []int // per column, where its string ends in buf
}

// NewSource returns an unopened source.
func NewSource(cfg Config) (*Source, error) {
	if len(cfg.Columns) == 0 {
		return nil, types.Errorf(types.CodeSyntaxError, "a datagen source needs a column list")
	}
	if len(cfg.Fields) != len(cfg.Columns) {
		return nil, errors.New("datagen: one field per column is required")
	}
	if cfg.Rows < 0 {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "datagen rows must not be negative, got %d", cfg.Rows)
	}
	if cfg.TimeStep <= 0 {
		cfg.TimeStep = DefaultTimeStep
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	end := cfg.Rows
	for _, f := range cfg.Fields {
		if f.rows > 0 && (end == 0 || f.rows < end) {
			end = f.rows
		}
	}
	if end == 0 {
		end = math.MaxInt64
	}
	return &Source{cfg: cfg, seed: uint64(cfg.Seed), end: end, spans: make([]int, len(cfg.Columns))}, nil
}

// Open positions the source at the row number offset holds (nil: 0) and
// stamps that row with the clock's now.
func (s *Source) Open(_ context.Context, offset []byte) error {
	s.next = 0
	if offset != nil {
		n, err := strconv.ParseInt(string(offset), 10, 64)
		if err != nil || n < 0 {
			return types.Errorf(types.CodeInvalidParameterValue, "datagen source: invalid offset %q", offset)
		}
		s.next = n
	}
	s.first, s.start = s.next, s.cfg.Clock().UnixMicro()
	s.opened = true
	return nil
}

// Read fills b with the next rows, as many as are due (up to a full
// batch); it returns io.EOF once a bounded source has no more.
func (s *Source) Read(ctx context.Context, b *types.Batch) error {
	if !s.opened {
		return errors.New("datagen source: Read before Open")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.Reset(len(s.cfg.Columns))
	if s.next >= s.end {
		return io.EOF
	}
	limit := s.end
	if s.cfg.Pacer != nil {
		due, err := s.cfg.Pacer.Due(ctx, s.next)
		if err != nil {
			return err
		}
		limit = min(limit, due)
	}
	for s.next < limit && !b.Full() {
		s.fill(b.AppendRow(), s.next)
		s.next++
	}
	return nil
}

// Offset returns the next row number in decimal.
func (s *Source) Offset() []byte { return strconv.AppendInt(nil, s.next, 10) }

// Close implements connectors.Source; a generator holds nothing.
func (s *Source) Close() error { return nil }

// fill generates row n. Its strings are built in one buffer and become one
// string, so a row costs at most one allocation.
func (s *Source) fill(row []types.Datum, n int64) {
	var r rand.PCG
	r.Seed(s.seed, uint64(n))
	buf := s.buf[:0]
	hasStrings := false
	for j := range s.cfg.Fields {
		f := &s.cfg.Fields[j]
		switch f.gen {
		case genIntRandom:
			row[j] = types.Datum{Typ: f.typ, I: f.imin + int64(uintn(&r, uint64(f.imax-f.imin)+1))}
		case genIntSequence:
			row[j] = types.Datum{Typ: f.typ, I: f.imin + n}
		case genFloatRandom:
			row[j] = floatDatum(f.typ, f.fmin+unitFloat(&r)*(f.fmax-f.fmin))
		case genFloatSequence:
			row[j] = floatDatum(f.typ, f.fmin+float64(n))
		case genBool:
			row[j] = types.NewBool(r.Uint64()&1 == 1)
		case genTime:
			row[j] = s.timeDatum(f.typ, n)
		case genValues:
			row[j] = f.values[pick(&r, f)]
		case genStringRandom, genStringSequence, genUUID:
			switch f.gen {
			case genStringRandom:
				buf = appendLetters(buf, &r, f.length)
			case genStringSequence:
				buf = strconv.AppendInt(buf, f.imin+n, 10)
			default:
				buf = appendUUID(buf, &r)
			}
			row[j] = types.Datum{Typ: f.typ}
			s.spans[j] = len(buf)
			hasStrings = true
		}
	}
	s.buf = buf
	if !hasStrings {
		return
	}
	str, at := string(buf), 0
	for j := range s.cfg.Fields {
		switch s.cfg.Fields[j].gen {
		case genStringRandom, genStringSequence, genUUID:
			row[j].S = str[at:s.spans[j]]
			at = s.spans[j]
		}
	}
}

// floatDatum rounds v to the precision of real columns.
func floatDatum(t types.Type, v float64) types.Datum {
	if t == types.Float4 {
		v = float64(float32(v))
	}
	return types.Datum{Typ: t, F: v}
}

// timeDatum is row n's time: the clock's now at Open for the first row
// read, plus TimeStep per row after it.
func (s *Source) timeDatum(t types.Type, n int64) types.Datum {
	micros := s.start + (n-s.first)*int64(s.cfg.TimeStep)/int64(time.Microsecond)
	if t == types.Date {
		return types.NewDate(floorDiv(micros, types.MicrosPerDay))
	}
	return types.Datum{Typ: t, I: micros}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// uintn returns a value in [0, n); n == 0 stands for 2^64.
func uintn(r *rand.PCG, n uint64) uint64 {
	if n == 0 {
		return r.Uint64()
	}
	hi, _ := bits.Mul64(r.Uint64(), n)
	return hi
}

// unitFloat returns a value in [0, 1).
func unitFloat(r *rand.PCG) float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// pick returns the index of a value of f, by weight when f has weights.
func pick(r *rand.PCG, f *Field) int {
	if f.cumWeights == nil {
		return int(uintn(r, uint64(len(f.values))))
	}
	x := int64(uintn(r, uint64(f.cumWeights[len(f.cumWeights)-1])))
	lo, hi := 0, len(f.cumWeights)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if f.cumWeights[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// appendLetters appends n random lower-case letters, eight per draw: each
// letter takes log2(26) < 4.7 bits off the top of the draw.
func appendLetters(dst []byte, r *rand.PCG, n int) []byte {
	for n > 0 {
		x := r.Uint64()
		for k := min(n, 8); k > 0; k-- {
			hi, lo := bits.Mul64(x, 26)
			dst = append(dst, 'a'+byte(hi))
			x = lo
			n--
		}
	}
	return dst
}

// appendUUID appends a random (version 4) UUID in canonical form.
func appendUUID(dst []byte, r *rand.PCG) []byte {
	const hex = "0123456789abcdef"
	var u [16]byte
	hi, lo := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i], u[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[c>>4], hex[c&0x0f])
	}
	return dst
}
