package kafka

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// encodeOffset writes next offsets per partition as a JSON object keyed by
// partition number: {"0":123,"1":45}. Partitions whose offset is negative
// (not known) are left out.
func encodeOffset(next []int64) []byte {
	buf := make([]byte, 0, 2+len(next)*16)
	buf = append(buf, '{')
	for p, o := range next {
		if o < 0 {
			continue
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = strconv.AppendInt(buf, int64(p), 10)
		buf = append(buf, '"', ':')
		buf = strconv.AppendInt(buf, o, 10)
	}
	return append(buf, '}')
}

// decodeOffset reads an offset written by encodeOffset; nil is a fresh
// start and gives a nil map.
func decodeOffset(offset []byte) (map[int32]int64, error) {
	if offset == nil {
		return nil, nil
	}
	var byName map[string]int64
	if err := json.Unmarshal(offset, &byName); err != nil {
		return nil, err
	}
	out := make(map[int32]int64, len(byName))
	for name, o := range byName {
		p, err := strconv.ParseInt(name, 10, 32)
		if err != nil || p < 0 {
			return nil, fmt.Errorf("partition %q is not a partition number", name)
		}
		if o < 0 {
			return nil, fmt.Errorf("partition %d: negative offset %d", p, o)
		}
		out[int32(p)] = o
	}
	return out, nil
}
