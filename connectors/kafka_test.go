package connectors

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/types"
)

var kafkaSchema = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "name", Type: types.Text},
	{Name: "part", Type: types.Int4},
	{Name: "k", Type: types.Text},
}

func TestKafkaOptionErrors(t *testing.T) {
	base := []string{"brokers", "127.0.0.1:9092", "topic", "t"}
	tests := []struct {
		name     string
		sink     bool
		metadata map[string]string
		kv       []string
		want     string // a part of the error; "" for success
	}{
		{name: "plain source", kv: base},
		{name: "every security option", kv: append(base, "tls", "true", "tls_insecure_skip_verify", "true",
			"sasl_mechanism", "SCRAM-SHA-512", "sasl_username", "u", "sasl_password", "p")},
		{name: "tls file without tls", kv: append(base, "tls_ca_file", "ca.pem"), want: `option "tls_ca_file" needs tls = 'true'`},
		{name: "skip verify without tls", kv: append(base, "tls_insecure_skip_verify", "true"),
			want: `option "tls_insecure_skip_verify" needs tls = 'true'`},
		{name: "missing CA file", kv: append(base, "tls", "true", "tls_ca_file", "/nonexistent/ca.pem"), want: `option "tls_ca_file"`},
		{name: "certificate without key", kv: append(base, "tls", "true", "tls_cert_file", "/nonexistent/c.pem"),
			want: `"tls_cert_file" and "tls_key_file" go together`},
		{name: "bad tls value", kv: append(base, "tls", "yes"), want: `option "tls": allowed values are true, false`},
		{name: "bad mechanism", kv: append(base, "sasl_mechanism", "gssapi"),
			want: `option "sasl_mechanism": allowed values are plain, scram-sha-256, scram-sha-512`},
		{name: "user without mechanism", kv: append(base, "sasl_username", "u"),
			want: `option "sasl_username" needs option "sasl_mechanism": one of plain, scram-sha-256, scram-sha-512`},
		{name: "mechanism without password", kv: append(base, "sasl_mechanism", "plain", "sasl_username", "u"),
			want: `option "sasl_password" is required with sasl_mechanism`},
		{name: "group_assign without group", kv: append(base, "group_assign", "true"), want: `option "group_assign" needs option "group_id"`},
		{name: "group_assign", kv: append(base, "group_assign", "true", "group_id", "g")},
		{name: "metadata columns", metadata: map[string]string{"part": "partition", "k": "key"}, kv: base},
		{name: "metadata of the wrong type", metadata: map[string]string{"k": "offset"}, kv: base,
			want: `column "k" holds kafka metadata "offset" and must be of type bigint, not text`},
		{name: "sink options", sink: true, kv: append(base, "compression", "ZSTD", "batch_max_bytes", "65536", "linger", "5ms")},
		{name: "bad compression", sink: true, kv: append(base, "compression", "brotli"),
			want: `option "compression": allowed values are none, gzip, snappy, lz4, zstd`},
		{name: "bad batch size", sink: true, kv: append(base, "batch_max_bytes", "1MB"), want: `option "batch_max_bytes"`},
		{name: "zero batch size", sink: true, kv: append(base, "batch_max_bytes", "0"), want: `option "batch_max_bytes"`},
		{name: "bad linger", sink: true, kv: append(base, "linger", "-1s"), want: `option "linger"`},
		{name: "sink security", sink: true, kv: append(base, "sasl_username", "u"), want: `needs option "sasl_mechanism"`},
		{name: "isolation level", kv: append(base, "isolation_level", "READ_UNCOMMITTED")},
		{name: "bad isolation level", kv: append(base, "isolation_level", "serializable"),
			want: `option "isolation_level": allowed values are read_committed, read_uncommitted`},
		{name: "exactly once", sink: true, kv: append(base, "exactly_once", "true", "transactional_id_prefix", "p", "transaction_timeout", "5m")},
		{name: "bad exactly once", sink: true, kv: append(base, "exactly_once", "yes"), want: `option "exactly_once": allowed values are true, false`},
		{name: "prefix without exactly once", sink: true, kv: append(base, "transactional_id_prefix", "p"),
			want: `option "transactional_id_prefix" needs exactly_once = 'true'`},
		{name: "timeout without exactly once", sink: true, kv: append(base, "transaction_timeout", "5m"),
			want: `option "transaction_timeout" needs exactly_once = 'true'`},
		{name: "empty prefix", sink: true, kv: append(base, "exactly_once", "true", "transactional_id_prefix", " "),
			want: `option "transactional_id_prefix" must not be empty`},
		{name: "bad transaction timeout", sink: true, kv: append(base, "exactly_once", "true", "transaction_timeout", "100ms"),
			want: `option "transaction_timeout"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := buildKafka(tt.sink, tt.metadata, tt.kv...)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			case err != nil && types.CodeOf(err) == types.CodeInternalError:
				t.Errorf("error %v has no SQLSTATE", err)
			}
		})
	}
}

func TestKafkaExactlyOnceSinkIsTransactional(t *testing.T) {
	f := KafkaSink()
	for _, tc := range []struct {
		exactlyOnce   string
		transactional bool
	}{{"false", false}, {"true", true}} {
		resolved, err := Validate(f.Name, f.Options, opts("brokers", "127.0.0.1:9092", "topic", "t", "exactly_once", tc.exactlyOnce))
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.New(SinkConfig{Name: "out", Schema: kafkaSchema, Options: resolved})
		if err != nil {
			t.Fatal(err)
		}
		ts, ok := s.(TransactionalSink)
		if ok != tc.transactional {
			t.Errorf("exactly_once = %s: sink %T transactional = %v", tc.exactlyOnce, s, ok)
		}
		if ok {
			// Nothing written: Prepare names no transaction and needs no broker.
			state, err := ts.Prepare(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if want := `"prefix":"novelty-out"`; !strings.Contains(string(state), want) {
				t.Errorf("Prepare = %s, want the default prefix (%s)", state, want)
			}
		}
		s.Close()
	}
}

func TestKafkaPasswordNotInErrors(t *testing.T) {
	const password = "hunter2-secret"
	for _, kv := range [][]string{
		{"sasl_password", password},
		{"sasl_mechanism", "plain", "sasl_password", password},
		{"sasl_mechanism", "plain", "sasl_username", "u", "sasl_password", password, "tls_ca_file", "x"},
	} {
		err := buildKafka(false, nil, append([]string{"brokers", "b:9092", "topic", "t"}, kv...)...)
		if err == nil || strings.Contains(err.Error(), password) {
			t.Errorf("options %v: error %v, want one that does not show the password", kv, err)
		}
	}
}

// buildKafka validates kv for the Kafka source (or sink) and builds it.
func buildKafka(sink bool, metadata map[string]string, kv ...string) error {
	if sink {
		f := KafkaSink()
		resolved, err := Validate(f.Name, f.Options, opts(kv...))
		if err != nil {
			return err
		}
		s, err := f.New(SinkConfig{Name: "out", Schema: kafkaSchema, Options: resolved})
		if err == nil {
			s.Close()
		}
		return err
	}
	f := KafkaSource()
	resolved, err := Validate(f.Name, f.Options, opts(kv...))
	if err != nil {
		return err
	}
	if err := ValidateMetadata(f.Name, f, metadata); err != nil {
		return err
	}
	s, err := f.New(SourceConfig{Name: "in", Schema: kafkaSchema, Options: resolved, Metadata: metadata})
	if err == nil {
		s.Close()
	}
	return err
}

func TestKafkaSourceMetadataThroughCSV(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "logins"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "logins", Partition: 1, Key: []byte("alice"), Value: []byte("7,ann")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	f := KafkaSource()
	resolved, err := Validate(f.Name, f.Options, opts("brokers", strings.Join(c.ListenAddrs(), ","), "topic", "logins", "format", "csv", "on_error", "fail"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := f.New(SourceConfig{Name: "in", Schema: kafkaSchema, Options: resolved,
		Metadata: map[string]string{"part": "partition", "k": "key"}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(len(kafkaSchema))
	if err := src.Read(ctx, b); err != nil {
		t.Fatal(err)
	}
	want := []types.Datum{types.NewInt(7), types.NewText("ann"), types.NewIntOf(types.Int4, 1), types.NewText("alice")}
	if b.Len != 1 || !slices.Equal(b.Row(0), want) {
		t.Errorf("rows = %+v, want one row %+v", b.Datums, want)
	}
}
