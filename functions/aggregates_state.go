package functions

import (
	"encoding/binary"
	"math"

	"github.com/novelty-db/novelty/storage"
	"github.com/novelty-db/novelty/types"
)

// Aggregate state encodings (AggStateCodec). An encoding holds only what
// rows added to a state; its configuration (count(*) or count(x), min or
// max, the result type) comes from New, so LoadState must be called on a
// state of the aggregate that encoded the data. Equal states encode to
// equal bytes. A LoadState that fails leaves the state as it was.
//
// Every encoding starts with one byte naming the state's kind and format
// version. A changed format takes a new byte, so LoadState rejects what it
// cannot read, including another kind of state's encoding. Integers are
// varints, floats 8 bytes little-endian of their bits, strings a uvarint
// length and their bytes, and Datums storage's row encoding.
const (
	stateCountV1       byte = 1
	stateIntSumV1      byte = 2
	stateFloatSumV1    byte = 3
	stateIntervalSumV1 byte = 4
	stateBoolV1        byte = 5
	stateStringAggV1   byte = 6
	stateExtremeV1     byte = 7
	statePickV1        byte = 8
	stateHLLV1         byte = 9
	statePercentileV1  byte = 10
)

// percentileMaxLevels bounds a decoded sketch's levels so that the total
// weight, under percentileLevelSize values of weight 2^level per level,
// fits int64.
const percentileMaxLevels = 53

// newStateReader starts reading one state's encoding, which must begin
// with tag.
func newStateReader(data []byte, tag byte, kind string) *storage.StateReader {
	r := storage.NewStateReader(data, kind+" aggregate")
	if r.Byte() != tag {
		r.Fail("unknown format")
	}
	return r
}

func appendLengthPrefixed(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func (s *countState) AppendState(buf []byte) ([]byte, error) {
	buf = append(buf, stateCountV1)
	return binary.AppendUvarint(buf, uint64(s.n)), nil
}

func (s *countState) LoadState(data []byte) error {
	r := newStateReader(data, stateCountV1, "count")
	n := r.Count(math.MaxInt64)
	if err := r.Finish(); err != nil {
		return err
	}
	s.n = n
	return nil
}

// AppendState writes the float sum once the integer sum overflowed, the
// integer sum before; the other one is no longer or not yet used.
func (s *intSumState) AppendState(buf []byte) ([]byte, error) {
	buf = append(buf, stateIntSumV1)
	buf = binary.AppendUvarint(buf, uint64(s.n))
	if s.overflow {
		buf = append(buf, 1)
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.fsum)), nil
	}
	buf = append(buf, 0)
	return binary.AppendVarint(buf, s.sum), nil
}

func (s *intSumState) LoadState(data []byte) error {
	r := newStateReader(data, stateIntSumV1, "sum")
	n := r.Count(math.MaxInt64)
	overflow := r.Flag()
	var sum int64
	var fsum float64
	if overflow {
		r.Check(s.result != types.Int8, "bigint sum past its range")
		fsum = r.Float64()
	} else {
		sum = r.Varint()
	}
	r.Check(n > 0 || sum == 0 && !overflow, "sum without rows")
	if err := r.Finish(); err != nil {
		return err
	}
	s.n, s.overflow, s.sum, s.fsum = n, overflow, sum, fsum
	return nil
}

func (s *floatSumState) AppendState(buf []byte) ([]byte, error) {
	buf = append(buf, stateFloatSumV1)
	buf = binary.AppendUvarint(buf, uint64(s.n))
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.sum)), nil
}

func (s *floatSumState) LoadState(data []byte) error {
	r := newStateReader(data, stateFloatSumV1, "sum")
	n := r.Count(math.MaxInt64)
	sum := r.Float64()
	if err := r.Finish(); err != nil {
		return err
	}
	s.n, s.sum = n, sum
	return nil
}

func (s *intervalSumState) AppendState(buf []byte) ([]byte, error) {
	buf = append(buf, stateIntervalSumV1)
	buf = binary.AppendUvarint(buf, uint64(s.n))
	buf = binary.AppendVarint(buf, s.months)
	buf = binary.AppendVarint(buf, s.days)
	return binary.AppendVarint(buf, s.micros), nil
}

func (s *intervalSumState) LoadState(data []byte) error {
	r := newStateReader(data, stateIntervalSumV1, "interval sum")
	n := r.Count(math.MaxInt64)
	months, days, micros := r.Varint(), r.Varint(), r.Varint()
	if err := r.Finish(); err != nil {
		return err
	}
	s.n, s.months, s.days, s.micros = n, months, days, micros
	return nil
}

// boolState encodes as one byte after the tag: 0 before any value, else
// 1 + the accumulated value.
func (s *boolState) AppendState(buf []byte) ([]byte, error) {
	v := byte(0)
	if s.seen {
		v = 1
		if s.acc {
			v = 2
		}
	}
	return append(buf, stateBoolV1, v), nil
}

func (s *boolState) LoadState(data []byte) error {
	r := newStateReader(data, stateBoolV1, "boolean")
	v := r.Byte()
	r.Check(v <= 2, "invalid value")
	if err := r.Finish(); err != nil {
		return err
	}
	s.seen, s.acc = v > 0, v == 2
	return nil
}

func (s *stringAggState) AppendState(buf []byte) ([]byte, error) {
	if !s.seen {
		return append(buf, stateStringAggV1, 0), nil
	}
	buf = append(buf, stateStringAggV1, 1)
	buf = appendLengthPrefixed(buf, s.firstDelim)
	return appendLengthPrefixed(buf, s.sb.String()), nil
}

func (s *stringAggState) LoadState(data []byte) error {
	r := newStateReader(data, stateStringAggV1, "string_agg")
	var delim, text []byte
	seen := r.Flag()
	if seen {
		delim = r.LengthPrefixed()
		text = r.LengthPrefixed()
	}
	if err := r.Finish(); err != nil {
		return err
	}
	s.seen, s.firstDelim = seen, string(delim)
	s.sb.Reset()
	s.sb.Write(text)
	return nil
}

// appendDatumState encodes a state that is one Datum: tag, then the Datum
// in storage's row encoding, which runs to the end.
func appendDatumState(buf []byte, tag byte, d types.Datum) []byte {
	return storage.AppendRow(append(buf, tag), []types.Datum{d})
}

func loadDatumState(data []byte, tag byte, kind string) (types.Datum, error) {
	r := newStateReader(data, tag, kind)
	var one [1]types.Datum
	row, err := storage.DecodeRow(r.Rest(), one[:0])
	switch {
	case err != nil:
		r.Fail(err.Error())
	case len(row) != 1:
		r.Failf("%d values, want 1", len(row))
	}
	if err := r.Finish(); err != nil {
		return types.Null, err
	}
	return row[0], nil
}

func (s *extremeState) AppendState(buf []byte) ([]byte, error) {
	return appendDatumState(buf, stateExtremeV1, s.best), nil
}

func (s *extremeState) LoadState(data []byte) error {
	d, err := loadDatumState(data, stateExtremeV1, "min/max")
	if err != nil {
		return err
	}
	s.best = d
	return nil
}

func (s *pickState) AppendState(buf []byte) ([]byte, error) {
	return appendDatumState(buf, statePickV1, s.v), nil
}

func (s *pickState) LoadState(data []byte) error {
	d, err := loadDatumState(data, statePickV1, "first_value/last_value")
	if err != nil {
		return err
	}
	s.v = d
	return nil
}

// hllState encodes its exact set as a count and the sorted hashes, 8 bytes
// each, or its registers packed four to three bytes (ranks fit 6 bits).
const hllPackedSize = hllRegisters / 4 * 3

func (s *hllState) AppendState(buf []byte) ([]byte, error) {
	if s.registers == nil {
		buf = append(buf, stateHLLV1, 0)
		buf = binary.AppendUvarint(buf, uint64(len(s.sparse)))
		for _, h := range s.sparse {
			buf = binary.LittleEndian.AppendUint64(buf, h)
		}
		return buf, nil
	}
	buf = append(buf, stateHLLV1, 1)
	for i := 0; i < hllRegisters; i += 4 {
		reg := s.registers[i : i+4 : i+4]
		v := uint32(reg[0]) | uint32(reg[1])<<6 | uint32(reg[2])<<12 | uint32(reg[3])<<18
		buf = append(buf, byte(v), byte(v>>8), byte(v>>16))
	}
	return buf, nil
}

func (s *hllState) LoadState(data []byte) error {
	r := newStateReader(data, stateHLLV1, "approx_count_distinct")
	var sparse []uint64
	var registers []uint8
	if r.Flag() {
		packed := r.Bytes(hllPackedSize)
		if !r.Failed() {
			registers = make([]uint8, hllRegisters)
			for i := 0; i < hllPackedSize; i += 3 {
				v := uint32(packed[i]) | uint32(packed[i+1])<<8 | uint32(packed[i+2])<<16
				for j := range 4 {
					rank := uint8(v >> (6 * j) & 63)
					r.Check(rank <= hllMaxRank, "register out of range")
					registers[i/3*4+j] = rank
				}
			}
		}
	} else {
		n := r.Count(hllSparseLimit)
		r.Check(int(n)*8 <= r.Len(), "truncated")
		if !r.Failed() && n > 0 {
			sparse = make([]uint64, n)
			for i := range sparse {
				sparse[i] = r.Uint64()
				r.Check(i == 0 || sparse[i-1] < sparse[i], "hashes not sorted")
			}
		}
	}
	if err := r.Finish(); err != nil {
		return err
	}
	s.sparse, s.registers = sparse, registers
	return nil
}

// percentileState encodes p (when set), then each level's compaction
// parity and values.
func (s *percentileState) AppendState(buf []byte) ([]byte, error) {
	if !s.pSet {
		return append(buf, statePercentileV1, 0, 0), nil
	}
	buf = append(buf, statePercentileV1, 1)
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(s.p))
	buf = binary.AppendUvarint(buf, uint64(len(s.levels)))
	for level, values := range s.levels {
		odd := byte(0)
		if s.odd[level] {
			odd = 1
		}
		buf = append(buf, odd)
		buf = binary.AppendUvarint(buf, uint64(len(values)))
		for _, v := range values {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
	}
	return buf, nil
}

func (s *percentileState) LoadState(data []byte) error {
	r := newStateReader(data, statePercentileV1, "approx_percentile")
	pSet := r.Flag()
	var p float64
	if pSet {
		p = r.Float64()
		r.Check(p >= 0 && p <= 1, "percentile out of range")
	}
	nLevels := r.Count(percentileMaxLevels)
	r.Check(pSet || nLevels == 0, "values without a percentile")
	var levels [][]float64
	var odd []bool
	for range nLevels {
		parity := r.Flag()
		n := r.Count(percentileLevelSize - 1)
		r.Check(int(n)*8 <= r.Len(), "truncated")
		if r.Failed() {
			break
		}
		values := make([]float64, n, percentileLevelSize)
		for i := range values {
			values[i] = r.Float64()
		}
		levels, odd = append(levels, values), append(odd, parity)
	}
	if err := r.Finish(); err != nil {
		return err
	}
	s.p, s.pSet, s.levels, s.odd = p, pSet, levels, odd
	return nil
}

var (
	_ AggStateCodec = (*countState)(nil)
	_ AggStateCodec = (*intSumState)(nil)
	_ AggStateCodec = (*floatSumState)(nil)
	_ AggStateCodec = (*intervalSumState)(nil)
	_ AggStateCodec = (*boolState)(nil)
	_ AggStateCodec = (*stringAggState)(nil)
	_ AggStateCodec = (*extremeState)(nil)
	_ AggStateCodec = (*pickState)(nil)
	_ AggStateCodec = (*hllState)(nil)
	_ AggStateCodec = (*percentileState)(nil)
)
