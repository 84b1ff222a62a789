package storage

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/novelty-db/novelty/types"
)

// StateReader decodes state saved for a checkpoint: encoding/binary
// varints, little-endian 8-byte values and length-prefixed bytes, in the
// order the encoder appended them. The first failure sticks: later reads
// return zero values and Err reports it, so a decoder checks Failed only
// where it must not go on (before allocating by a count, or storing a
// result). Bytes it returns alias the input.
type StateReader struct {
	data []byte
	// what names the state in errors: "corrupt <what> state: <reason>".
	what string
	err  error
}

// NewStateReader starts reading data.
func NewStateReader(data []byte, what string) *StateReader {
	return &StateReader{data: data, what: what}
}

// Fail records that the state is corrupt, for reason, unless a failure is
// already recorded; the rest of the input is dropped.
func (r *StateReader) Fail(reason string) {
	r.FailWith(types.Errorf(types.CodeDataCorrupted, "corrupt %s state: %s", r.what, reason))
}

// Failf is Fail with a formatted reason.
func (r *StateReader) Failf(format string, args ...any) {
	if r.err == nil {
		r.Fail(fmt.Sprintf(format, args...))
	}
}

// FailWith records err as the failure, unless one is already recorded.
func (r *StateReader) FailWith(err error) {
	if r.err == nil {
		r.err = err
		r.data = nil
	}
}

// Check fails with reason unless ok.
func (r *StateReader) Check(ok bool, reason string) {
	if !ok {
		r.Fail(reason)
	}
}

// Failed reports whether a failure is recorded.
func (r *StateReader) Failed() bool { return r.err != nil }

// Err returns the recorded failure, or nil.
func (r *StateReader) Err() error { return r.err }

// Finish returns the recorded failure, or one if bytes are left over.
func (r *StateReader) Finish() error {
	if r.err == nil && len(r.data) > 0 {
		r.Fail("trailing bytes")
	}
	return r.err
}

// Len is the number of bytes not read yet.
func (r *StateReader) Len() int { return len(r.data) }

func (r *StateReader) Byte() byte {
	if len(r.data) == 0 {
		r.Fail("truncated")
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

// Flag reads a byte that must be 0 or 1.
func (r *StateReader) Flag() bool {
	b := r.Byte()
	r.Check(b <= 1, "invalid flag")
	return b == 1
}

func (r *StateReader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.Fail("truncated or overlong integer")
		return 0
	}
	r.data = r.data[n:]
	return v
}

func (r *StateReader) Varint() int64 {
	v, n := binary.Varint(r.data)
	if n <= 0 {
		r.Fail("truncated or overlong integer")
		return 0
	}
	r.data = r.data[n:]
	return v
}

// Count reads a uvarint that must be at most limit.
func (r *StateReader) Count(limit uint64) int64 {
	v := r.Uvarint()
	if v > limit {
		r.Fail("count out of range")
		return 0
	}
	return int64(v)
}

// Items reads the number of items that follow. Each takes at least a
// byte, so a number above the bytes left is corrupt: what a decoder
// allocates by it is bounded by the size of its input.
func (r *StateReader) Items() int { return int(r.Count(uint64(len(r.data)))) }

// Uint64 reads 8 bytes little-endian.
func (r *StateReader) Uint64() uint64 {
	if len(r.data) < 8 {
		r.Fail("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.data)
	r.data = r.data[8:]
	return v
}

// Float64 reads a float64's bits, as Uint64 does.
func (r *StateReader) Float64() float64 { return math.Float64frombits(r.Uint64()) }

// Bytes reads the next n bytes.
func (r *StateReader) Bytes(n int) []byte {
	if n > len(r.data) {
		r.Fail("truncated")
		return nil
	}
	b := r.data[:n:n]
	r.data = r.data[n:]
	return b
}

// LengthPrefixed reads a uvarint length and that many bytes.
func (r *StateReader) LengthPrefixed() []byte { return r.Bytes(r.Items()) }

// Rest returns the bytes not read yet.
func (r *StateReader) Rest() []byte {
	b := r.data
	r.data = nil
	return b
}
