package kinesis

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/novelty-db/novelty/types"
)

// position is where reading a shard begins when the offset holds no
// sequence number for it.
type position struct {
	// start is trim_horizon or at_timestamp; latest only ever applies to
	// the shards open when a fresh source opens, and is written to offsets
	// as at_timestamp of that moment.
	start Start
	// at is the timestamp of at_timestamp.
	at time.Time
}

// shardPosition is one shard's progress: the sequence number of the last
// record consumed ("" for none) and whether the shard is closed and read to
// its end.
type shardPosition struct {
	Seq  string `json:"seq,omitempty"`
	Done bool   `json:"done,omitempty"`
}

// offsetJSON is the offset's encoding:
//
//	{"start":"trim_horizon","shards":{"shardId-000000000000":{"seq":"4959..."},"shardId-000000000001":{"done":true}}}
//
// start (and ts for at_timestamp) places shards the offset does not name:
// ones not read yet and ones created by resharding since.
type offsetJSON struct {
	Start  string                   `json:"start"`
	At     time.Time                `json:"ts,omitzero"`
	Shards map[string]shardPosition `json:"shards"`
}

// encodeOffset writes the resume position and the progress of shards,
// which are in shard id order; shards with neither a sequence number nor an
// end are left out.
func encodeOffset(resume position, shards []*shard) []byte {
	buf := make([]byte, 0, 64+len(shards)*80)
	buf = append(buf, `{"start":`...)
	buf = types.AppendJSONString(buf, resume.start.String())
	if resume.start == StartAtTimestamp {
		buf = append(buf, `,"ts":`...)
		buf = types.AppendJSONString(buf, resume.at.UTC().Format(time.RFC3339Nano))
	}
	buf = append(buf, `,"shards":{`...)
	first := true
	for _, sh := range shards {
		p := sh.pos
		if p.Seq == "" && !p.Done {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = types.AppendJSONString(buf, sh.id)
		buf = append(buf, ':', '{')
		if p.Seq != "" {
			buf = append(buf, `"seq":`...)
			buf = types.AppendJSONString(buf, p.Seq)
		}
		if p.Done {
			if p.Seq != "" {
				buf = append(buf, ',')
			}
			buf = append(buf, `"done":true`...)
		}
		buf = append(buf, '}')
	}
	return append(buf, '}', '}')
}

// decodeOffset reads an offset written by encodeOffset.
func decodeOffset(offset []byte) (position, map[string]shardPosition, error) {
	var o offsetJSON
	if err := json.Unmarshal(offset, &o); err != nil {
		return position{}, nil, err
	}
	var resume position
	switch o.Start {
	case StartTrimHorizon.String():
		resume.start = StartTrimHorizon
	case StartAtTimestamp.String():
		if o.At.IsZero() {
			return position{}, nil, errors.New("start at_timestamp without ts")
		}
		resume = position{start: StartAtTimestamp, at: o.At}
	default:
		return position{}, nil, fmt.Errorf("unknown start %q", o.Start)
	}
	for id, p := range o.Shards {
		if id == "" {
			return position{}, nil, errors.New("empty shard id")
		}
		for _, c := range p.Seq {
			if c < '0' || c > '9' {
				return position{}, nil, fmt.Errorf("shard %s: sequence number %q is not a number", id, p.Seq)
			}
		}
	}
	if o.Shards == nil {
		o.Shards = map[string]shardPosition{}
	}
	return resume, o.Shards, nil
}
