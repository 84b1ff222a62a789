package connectors

import (
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

var kinesisSchema = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "pk", Type: types.Text, Nullable: true},
	{Name: "arrived", Type: types.TimestampTZ, Nullable: true},
}

// buildKinesisSource validates kv as WITH options and builds a source.
func buildKinesisSource(t *testing.T, metadata map[string]string, kv ...string) (Source, error) {
	t.Helper()
	f := KinesisSource()
	resolved, err := Validate(f.Name, f.Options, opts(kv...))
	if err != nil {
		return nil, err
	}
	return f.New(SourceConfig{Name: "events", Schema: kinesisSchema, Options: resolved, Metadata: metadata})
}

func TestKinesisFactoryBuildsSourceAndSink(t *testing.T) {
	base := []string{"stream", "events", "region", "us-east-1", "endpoint", "http://127.0.0.1:4567",
		"access_key_id", "id", "secret_access_key", "secret"}
	src, err := buildKinesisSource(t, map[string]string{"pk": "partition_key", "arrived": "arrival_time"},
		append(base, "start", "AT_TIMESTAMP", "start_timestamp", "2024-01-31 12:00:00+00")...)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(BadRecordCounter); !ok {
		t.Error("the kinesis source does not count bad records")
	}
	f := KinesisSink()
	resolved, err := Validate(f.Name, f.Options, opts(append(base, "partition_key", "pk", "format", "csv")...))
	if err != nil {
		t.Fatal(err)
	}
	sink, err := f.New(SinkConfig{Name: "out", Schema: kinesisSchema, Options: resolved})
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestKinesisFactoryErrors(t *testing.T) {
	const secret = "wJalrXUtnFEMI-K7MDENG"
	base := []string{"stream", "events", "region", "us-east-1"}
	for _, tt := range []struct {
		name     string
		kv       []string
		metadata map[string]string
		code     string
		msg      string
	}{
		{"start not allowed", []string{"start", "earliest"}, nil, types.CodeInvalidParameterValue,
			`invalid value "earliest" for option "start": allowed values are trim_horizon, latest, at_timestamp`},
		{"at_timestamp without timestamp", []string{"start", "at_timestamp"}, nil, types.CodeInvalidParameterValue,
			`option "start_timestamp" is required when start = 'at_timestamp'`},
		{"timestamp without at_timestamp", []string{"start_timestamp", "2024-01-31 12:00:00+00"}, nil, types.CodeInvalidParameterValue,
			`option "start_timestamp" applies only with start = 'at_timestamp'`},
		{"bad timestamp", []string{"start", "at_timestamp", "start_timestamp", "yesterday"}, nil, types.CodeInvalidParameterValue,
			`invalid value "yesterday" for option "start_timestamp"`},
		{"bad stream name", []string{"stream", "my stream"}, nil, types.CodeInvalidParameterValue,
			`invalid value "my stream" for option "stream"`},
		{"bad endpoint", []string{"endpoint", "127.0.0.1:4567", "secret_access_key", secret, "access_key_id", "id"}, nil,
			types.CodeInvalidParameterValue, `invalid value for option "endpoint": want an http:// or https:// URL`},
		{"secret without key id", []string{"secret_access_key", secret}, nil, types.CodeInvalidParameterValue,
			`options "access_key_id" and "secret_access_key" must be given together`},
		{"token alone", []string{"session_token", secret}, nil, types.CodeInvalidParameterValue,
			`option "session_token" needs "access_key_id" and "secret_access_key"`},
		{"format not allowed", []string{"format", "avro"}, nil, types.CodeInvalidParameterValue,
			`invalid value "avro" for option "format": allowed values are json, csv, raw`},
		{"on_error not allowed", []string{"on_error", "ignore"}, nil, types.CodeInvalidParameterValue,
			`invalid value "ignore" for option "on_error": allowed values are dead_letter, skip, fail`},
		{"metadata of the wrong type", nil, map[string]string{"id": "shard_id"}, types.CodeDatatypeMismatch,
			`column "id" holds metadata "shard_id" and must be text or varchar, not bigint`},
		{"arrival time of the wrong type", nil, map[string]string{"pk": "arrival_time"}, types.CodeDatatypeMismatch,
			`column "pk" holds metadata "arrival_time" and must be timestamptz or timestamp, not text`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			kv := append(append([]string{}, base...), tt.kv...)
			kv = dedupeOptions(kv)
			_, err := buildKinesisSource(t, tt.metadata, kv...)
			if err == nil || types.CodeOf(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error = %v (%s), want %s containing %q", err, types.CodeOf(err), tt.code, tt.msg)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows a credential: %v", err)
			}
		})
	}
}

func TestKinesisSinkFactoryErrors(t *testing.T) {
	f := KinesisSink()
	for _, tt := range []struct {
		kv   []string
		code string
		msg  string
	}{
		{[]string{"stream", "s", "region", "r", "format", "raw"}, types.CodeInvalidParameterValue,
			`invalid value "raw" for option "format": allowed values are json, csv`},
		{[]string{"stream", "s", "region", "r", "partition_key", "user"}, types.CodeUndefinedColumn,
			`partition_key column "user" of sink out does not exist`},
		{[]string{"region", "r"}, types.CodeInvalidParameterValue, `option "stream" is required for connector kinesis`},
	} {
		resolved, err := Validate(f.Name, f.Options, opts(tt.kv...))
		if err == nil {
			_, err = f.New(SinkConfig{Name: "out", Schema: kinesisSchema, Options: resolved})
		}
		if err == nil || types.CodeOf(err) != tt.code || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v: error = %v (%s), want %s containing %q", tt.kv, err, types.CodeOf(err), tt.code, tt.msg)
		}
	}
}

func TestKinesisNeedsARegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_PROFILE", "")
	_, err := buildKinesisSource(t, nil, "stream", "events")
	if err == nil || !strings.Contains(err.Error(), `set option "region" or AWS_REGION`) {
		t.Errorf("error = %v, want one asking for a region", err)
	}
}

// dedupeOptions keeps the last value of each key of kv.
func dedupeOptions(kv []string) []string {
	last := map[string]int{}
	for i := 0; i < len(kv); i += 2 {
		last[kv[i]] = i
	}
	var out []string
	for i := 0; i < len(kv); i += 2 {
		if last[kv[i]] == i {
			out = append(out, kv[i], kv[i+1])
		}
	}
	return out
}
