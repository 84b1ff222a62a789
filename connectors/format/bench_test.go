package format

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// benchSchema and benchRecord are a typical event: the Nexmark-like shape
// sources see (a few numbers, strings and a timestamp, plus fields no
// column asks for).
var benchSchema = types.Schema{
	{Name: "user_name", Type: types.Varchar},
	{Name: "src_ip", Type: types.Varchar},
	{Name: "action", Type: types.Varchar},
	{Name: "bytes", Type: types.Int8},
	{Name: "score", Type: types.Float8},
	{Name: "ts", Type: types.Timestamp},
}

var benchRecord = []byte(`{"user_name": "alice", "src_ip": "10.0.0.17", "action": "login", "bytes": 51234, ` +
	`"score": 0.731, "ts": "2024-01-31 12:34:56.789", "agent": {"os": "linux", "v": [1, 2, 3]}}`)

func BenchmarkJSONDecode(b *testing.B) {
	d, err := NewJSONDecoder(benchSchema, JSONConfig{})
	if err != nil {
		b.Fatal(err)
	}
	row := make([]types.Datum, len(benchSchema))
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(benchRecord, row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONDecodeEncodingJSON is the baseline the hand-written scanner
// replaces: encoding/json into a struct of the same fields, without even
// converting to Datums.
func BenchmarkJSONDecodeEncodingJSON(b *testing.B) {
	var v struct {
		UserName string          `json:"user_name"`
		SrcIP    string          `json:"src_ip"`
		Action   string          `json:"action"`
		Bytes    int64           `json:"bytes"`
		Score    float64         `json:"score"`
		TS       string          `json:"ts"`
		Agent    json.RawMessage `json:"agent"`
	}
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	for b.Loop() {
		if err := json.Unmarshal(benchRecord, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONEncode(b *testing.B) {
	d, err := NewJSONDecoder(benchSchema, JSONConfig{})
	if err != nil {
		b.Fatal(err)
	}
	row := make([]types.Datum, len(benchSchema))
	if err := d.Decode(benchRecord, row); err != nil {
		b.Fatal(err)
	}
	e := NewJSONEncoder(benchSchema)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = e.Encode(buf[:0], row)
	}
}

func BenchmarkCSVDecode(b *testing.B) {
	d := NewCSVDecoder(benchSchema, CSVConfig{})
	rec := []byte(`alice,10.0.0.17,login,51234,0.731,2024-01-31 12:34:56.789`)
	row := make([]types.Datum, len(benchSchema))
	b.SetBytes(int64(len(rec)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(rec, row); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCSVEncode(b *testing.B) {
	d := NewCSVDecoder(benchSchema, CSVConfig{})
	row := make([]types.Datum, len(benchSchema))
	if err := d.Decode([]byte(`alice,10.0.0.17,login,51234,0.731,2024-01-31 12:34:56.789`), row); err != nil {
		b.Fatal(err)
	}
	e := NewCSVEncoder(CSVConfig{})
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = e.Encode(buf[:0], row)
	}
}

// eventSchema and eventRecords are the Kafka benchmark's events (see
// cmd/novelty's BenchmarkKafkaFilterToKafka): an id, a user among 1,000,
// an action among two and an amount.
var eventSchema = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "user_name", Type: types.Varchar},
	{Name: "action", Type: types.Varchar},
	{Name: "amount", Type: types.Float8},
}

func eventRecords(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		action := "ok"
		if i%2 == 0 {
			action = "fail"
		}
		out[i] = fmt.Appendf(nil, `{"id":%d,"user_name":"user%d","action":"%s","amount":%d.25}`, i, i%1000, action, i%500)
	}
	return out
}

func BenchmarkJSONDecodeEvents(b *testing.B) {
	d, err := NewJSONDecoder(eventSchema, JSONConfig{})
	if err != nil {
		b.Fatal(err)
	}
	records := eventRecords(4096)
	row := make([]types.Datum, len(eventSchema))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := d.Decode(records[i%len(records)], row); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkJSONEncodeEvents(b *testing.B) {
	d, err := NewJSONDecoder(eventSchema, JSONConfig{})
	if err != nil {
		b.Fatal(err)
	}
	records := eventRecords(4096)
	rows := make([][]types.Datum, len(records))
	for i, rec := range records {
		rows[i] = make([]types.Datum, len(eventSchema))
		if err := d.Decode(rec, rows[i]); err != nil {
			b.Fatal(err)
		}
	}
	e := NewJSONEncoder(eventSchema)
	var buf []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		buf = e.Encode(buf[:0], rows[i%len(rows)])
		i++
	}
}
