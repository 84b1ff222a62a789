package connectors

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/novelty-db/novelty/connectors/kinesis"
	"github.com/novelty-db/novelty/types"
)

// KinesisConnector is the name of the Kinesis connector.
const KinesisConnector = "kinesis"

// kinesisSource is a kinesis.Source that also reports its bad-record count.
type kinesisSource struct {
	*kinesis.Source
	*BadRecordPolicy
}

var (
	_ Source           = kinesisSource{}
	_ BadRecordCounter = kinesisSource{}
	_ Sink             = (*kinesis.Sink)(nil)
)

// kinesisClientOptions are the options saying how to reach a stream, shared
// by the source and the sink. Credentials never appear in errors.
func kinesisClientOptions() []OptionSpec {
	return []OptionSpec{
		{Name: "stream", Required: true, Doc: "the Kinesis data stream's name"},
		{Name: "region", Doc: "AWS region; default: the AWS configuration's (AWS_REGION, profile)"},
		{Name: "endpoint", Doc: "endpoint URL replacing the region's, e.g. http://127.0.0.1:4567"},
		{Name: "access_key_id", Doc: "static credentials with secret_access_key; default: the standard AWS credential chain"},
		{Name: "secret_access_key", Doc: "the secret of access_key_id"},
		{Name: "session_token", Doc: "session token of temporary static credentials"},
	}
}

// KinesisSource returns the factory of the Kinesis source: every shard of
// one stream, polled directly (no lease table), from the sequence numbers
// the engine checkpoints; parent shards are read to their end before their
// children after resharding.
func KinesisSource() SourceFactory {
	return SourceFactory{
		Name: KinesisConnector,
		Options: append(kinesisClientOptions(),
			OptionSpec{Name: "start", Default: "trim_horizon", Allowed: []string{"trim_horizon", "latest", "at_timestamp"},
				Doc: "where a new source begins: the oldest retained record, the next new one, or start_timestamp"},
			OptionSpec{Name: "start_timestamp", Doc: "with start = 'at_timestamp': the arrival time to begin at, e.g. '2024-01-31 12:00:00+00'"},
			FormatOption("json", "csv", "raw"),
			DelimiterOption(),
			OnErrorOption(),
		),
		New:      newKinesisSource,
		Metadata: kinesis.MetadataKeys,
	}
}

func newKinesisSource(cfg SourceConfig) (Source, error) {
	dec, policy, err := recordReading(cfg)
	if err != nil {
		return nil, err
	}
	start, at, err := kinesisStart(cfg.Options)
	if err != nil {
		return nil, err
	}
	metadata, err := kinesisMetadata(cfg.Schema, cfg.Metadata)
	if err != nil {
		return nil, err
	}
	stream, client, err := kinesisClient(cfg.Options)
	if err != nil {
		return nil, err
	}
	src := kinesis.NewSource(kinesis.SourceConfig{
		Stream:         stream,
		API:            client,
		Start:          start,
		StartTimestamp: at,
		Width:          len(cfg.Schema),
		Decoder:        dec,
		Metadata:       metadata,
		BadRecords:     policy,
	})
	return kinesisSource{Source: src, BadRecordPolicy: policy}, nil
}

// KinesisSink returns the factory of the Kinesis sink: one record per row,
// sent with PutRecords in requests within Kinesis' limits; Flush returns
// once every record is accepted.
func KinesisSink() SinkFactory {
	return SinkFactory{
		Name: KinesisConnector,
		Options: append(kinesisClientOptions(),
			FormatOption("json", "csv"),
			DelimiterOption(),
			OptionSpec{Name: "partition_key", Doc: "column whose value, as text, is the partition key; default: a hash of the record"},
		),
		New: newKinesisSink,
	}
}

func newKinesisSink(cfg SinkConfig) (Sink, error) {
	enc, err := NewEncoder(cfg)
	if err != nil {
		return nil, err
	}
	key := -1
	if name, ok := cfg.Options["partition_key"]; ok {
		if key = cfg.Schema.Index(name); key < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn, "partition_key column %q of sink %s does not exist", name, cfg.Name)
		}
	}
	stream, client, err := kinesisClient(cfg.Options)
	if err != nil {
		return nil, err
	}
	return kinesis.NewSink(kinesis.SinkConfig{Stream: stream, Put: client.PutRecords, Encoder: enc, PartitionKeyColumn: key}), nil
}

// kinesisClient checks the stream, endpoint and credential options and
// builds the client they describe.
func kinesisClient(options map[string]string) (string, *awskinesis.Client, error) {
	stream := options["stream"]
	if !validStreamName(stream) {
		return "", nil, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: a stream name is 1 to 128 letters, digits, '_', '.' or '-'", stream, "stream")
	}
	endpoint := options["endpoint"]
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", nil, types.Errorf(types.CodeInvalidParameterValue,
				"invalid value for option %q: want an http:// or https:// URL with a host", "endpoint")
		}
	}
	id, secret, token := options["access_key_id"], options["secret_access_key"], options["session_token"]
	if (id == "") != (secret == "") {
		return "", nil, types.Errorf(types.CodeInvalidParameterValue,
			"options %q and %q must be given together", "access_key_id", "secret_access_key")
	}
	if token != "" && id == "" {
		return "", nil, types.Errorf(types.CodeInvalidParameterValue,
			"option %q needs %q and %q", "session_token", "access_key_id", "secret_access_key")
	}
	client, err := kinesis.NewClient(context.Background(), kinesis.ClientConfig{
		Region: options["region"], Endpoint: endpoint,
		AccessKeyID: id, SecretAccessKey: secret, SessionToken: token,
	})
	if err != nil {
		return "", nil, err
	}
	return stream, client, nil
}

// validStreamName reports whether s is a valid Kinesis stream name.
func validStreamName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// kinesisStart reads the start and start_timestamp options.
func kinesisStart(options map[string]string) (kinesis.Start, time.Time, error) {
	ts, hasTS := options["start_timestamp"]
	switch options["start"] {
	case "latest":
		if hasTS {
			return 0, time.Time{}, startTimestampMisplaced()
		}
		return kinesis.StartLatest, time.Time{}, nil
	case "at_timestamp":
		if !hasTS {
			return 0, time.Time{}, types.Errorf(types.CodeInvalidParameterValue,
				"option %q is required when start = 'at_timestamp'", "start_timestamp")
		}
		d, err := types.ParseText(types.TimestampTZ, ts, time.UTC)
		if err != nil {
			return 0, time.Time{}, types.Errorf(types.CodeInvalidParameterValue,
				"invalid value %q for option %q: want a timestamp such as '2024-01-31 12:00:00+00'", ts, "start_timestamp")
		}
		return kinesis.StartAtTimestamp, time.UnixMicro(d.I).UTC(), nil
	default:
		if hasTS {
			return 0, time.Time{}, startTimestampMisplaced()
		}
		return kinesis.StartTrimHorizon, time.Time{}, nil
	}
}

func startTimestampMisplaced() error {
	return types.Errorf(types.CodeInvalidParameterValue, "option %q applies only with start = 'at_timestamp'", "start_timestamp")
}

// kinesisMetadata maps the source's metadata columns (column name to key)
// to the kinesis package's, in column order.
func kinesisMetadata(schema types.Schema, columns map[string]string) ([]kinesis.MetadataColumn, error) {
	var out []kinesis.MetadataColumn
	for name, key := range columns {
		i := schema.Index(name)
		if i < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn, "metadata column %q does not exist", name)
		}
		m, err := kinesis.NewMetadataColumn(i, schema[i], strings.ToLower(key))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b kinesis.MetadataColumn) int { return a.Column - b.Column })
	return out, nil
}
