package storage

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestStateReaderReadsWhatWasAppended(t *testing.T) {
	buf := []byte{7, 1}
	buf = binary.AppendUvarint(buf, 300)
	buf = binary.AppendVarint(buf, -5)
	buf = binary.LittleEndian.AppendUint64(buf, 1<<40)
	buf = append(binary.AppendUvarint(buf, 3), "abc"...)
	r := NewStateReader(buf, "test")
	if b, f, u, v, w, s := r.Byte(), r.Flag(), r.Uvarint(), r.Varint(), r.Uint64(), string(r.LengthPrefixed()); b != 7 || !f ||
		u != 300 || v != -5 || w != 1<<40 || s != "abc" {
		t.Fatalf("read %d %v %d %d %d %q", b, f, u, v, w, s)
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
}

func TestStateReaderFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   []byte
		read   func(r *StateReader)
		reason string
	}{
		{"empty", nil, func(r *StateReader) { r.Byte() }, "truncated"},
		{"flag", []byte{2}, func(r *StateReader) { r.Flag() }, "invalid flag"},
		{"overlong varint", []byte{0x80, 0x80}, func(r *StateReader) { r.Varint() }, "truncated or overlong integer"},
		{"count above limit", []byte{9}, func(r *StateReader) { r.Count(8) }, "count out of range"},
		{"items above the bytes left", []byte{3, 1}, func(r *StateReader) { r.Items() }, "count out of range"},
		{"short uint64", []byte{1, 2, 3}, func(r *StateReader) { r.Uint64() }, "truncated"},
		{"trailing bytes", []byte{1, 2}, func(r *StateReader) { r.Byte() }, "trailing bytes"},
		{"first failure sticks", []byte{2, 1}, func(r *StateReader) { r.Flag(); r.Check(false, "later") }, "invalid flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewStateReader(tc.data, "test")
			tc.read(r)
			err := r.Finish()
			if types.CodeOf(err) != types.CodeDataCorrupted || !strings.Contains(err.Error(), "corrupt test state: "+tc.reason) {
				t.Fatalf("error %v, want XX001 corrupt test state: %s", err, tc.reason)
			}
			if r.Byte() != 0 || r.Len() != 0 {
				t.Error("reads after a failure return data")
			}
		})
	}
}
