package kafka

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// metaSchema mixes payload columns with one column per metadata field.
var metaSchema = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "k", Type: types.Text, Nullable: true},
	{Name: "h", Type: types.JSONB},
	{Name: "p", Type: types.Int4},
	{Name: "o", Type: types.Int8},
	{Name: "ts", Type: types.TimestampTZ},
}

var metaColumns = map[string]string{"k": "key", "h": "headers", "p": "partition", "o": "offset", "ts": "timestamp"}

func TestKafkaSourceFillsMetadataColumns(t *testing.T) {
	brokers := newCluster(t, "logins")
	at := time.Date(2026, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	records := []*kgo.Record{
		{Partition: 1, Key: []byte("alice"), Value: []byte(`{"id":1,"k":"from payload"}`), Timestamp: at,
			Headers: []kgo.RecordHeader{{Key: "trace", Value: []byte("t1")}, {Key: "a", Value: []byte("x")}, {Key: "a", Value: []byte("y\xff")}}},
		{Partition: 1, Value: []byte(`{"id":2}`), Timestamp: at.Add(time.Second)},
		{Partition: 1, Key: []byte("\xff"), Value: []byte(`{"id":3}`), Timestamp: at},
	}
	produceRecords(t, brokers, "logins", records...)
	columns, err := ResolveMetadata(metaSchema, metaColumns)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := format.NewJSONDecoder(metaSchema, format.JSONConfig{Skip: map[string]bool{"k": true, "h": true, "p": true, "o": true, "ts": true}})
	if err != nil {
		t.Fatal(err)
	}
	bad := &recordedBadRecords{}
	src := mustSource(t, SourceConfig{Brokers: brokers, Topic: "logins", Width: len(metaSchema), Decoder: dec, Metadata: columns, BadRecords: bad})
	openSource(t, src, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b := types.NewBatch(len(metaSchema))
	var rows [][]types.Datum
	for len(rows) < 2 {
		if err := src.Read(ctx, b); err != nil {
			t.Fatal(err)
		}
		for i := range b.Len {
			rows = append(rows, types.CopyRow(b.Row(i)))
		}
	}
	want := [][]types.Datum{
		{types.NewInt(1), types.NewText("alice"), types.NewJSONB("{\"a\": \"y\uFFFD\", \"trace\": \"t1\"}"),
			types.NewIntOf(types.Int4, 1), types.NewInt(0), types.NewTimestampTZ(at.UnixMicro())},
		{types.NewInt(2), types.Null, types.NewJSONB(`{}`),
			types.NewIntOf(types.Int4, 1), types.NewInt(1), types.NewTimestampTZ(at.Add(time.Second).UnixMicro())},
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	if want := []string{"1:2"}; !slices.Equal(bad.offsets, want) {
		t.Errorf("bad records at %v, want %v (a key that is not UTF-8 in a text column)", bad.offsets, want)
	}
}

func TestResolveMetadataChecksTypes(t *testing.T) {
	schema := types.Schema{
		{Name: "k", Type: types.Bytea}, {Name: "p", Type: types.Text}, {Name: "o", Type: types.Int4},
		{Name: "ts", Type: types.Timestamp}, {Name: "h", Type: types.Text}, {Name: "x", Type: types.Int8},
	}
	tests := []struct {
		columns map[string]string
		code    string
		msg     string
	}{
		{columns: map[string]string{"k": "key", "ts": "TIMESTAMP", "x": "partition"}},
		{map[string]string{"p": "partition"}, types.CodeDatatypeMismatch,
			`column "p" holds kafka metadata "partition" and must be of type integer or bigint, not text`},
		{map[string]string{"o": "offset"}, types.CodeDatatypeMismatch,
			`column "o" holds kafka metadata "offset" and must be of type bigint, not integer`},
		{map[string]string{"h": "headers"}, types.CodeDatatypeMismatch,
			`column "h" holds kafka metadata "headers" and must be of type jsonb or json, not text`},
		{map[string]string{"x": "topic"}, types.CodeInvalidParameterValue, `column "x": kafka has no metadata "topic"`},
		{map[string]string{"nope": "key"}, types.CodeUndefinedColumn, `metadata column "nope" does not exist`},
	}
	for _, tt := range tests {
		got, err := ResolveMetadata(schema, tt.columns)
		if tt.code == "" {
			if err != nil || len(got) != len(tt.columns) {
				t.Errorf("ResolveMetadata(%v) = %v, %v", tt.columns, got, err)
			}
			continue
		}
		if e, ok := types.AsError(err); !ok || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("ResolveMetadata(%v) = %v, want %s %q", tt.columns, err, tt.code, tt.msg)
		}
	}
}

// produceRecords writes records to topic, each to its own Partition.
func produceRecords(tb testing.TB, brokers []string, topic string, records ...*kgo.Record) {
	tb.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	for _, r := range records {
		r.Topic = topic
	}
	if err := cl.ProduceSync(context.Background(), records...).FirstErr(); err != nil {
		tb.Fatal(err)
	}
}
