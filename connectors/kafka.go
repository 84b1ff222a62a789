package connectors

import (
	"strings"

	"github.com/novelty-db/novelty/connectors/kafka"
	"github.com/novelty-db/novelty/types"
)

// KafkaConnector is the name of the Kafka connector.
const KafkaConnector = "kafka"

// kafkaSource is a kafka.Source that also reports its bad-record count.
type kafkaSource struct {
	*kafka.Source
	*BadRecordPolicy
}

var (
	_ Source           = kafkaSource{}
	_ BadRecordCounter = kafkaSource{}
	_ Sink             = (*kafka.Sink)(nil)
)

// KafkaSource returns the factory of the Kafka source: every partition of
// one topic, read directly (no group rebalancing) from the offsets the
// engine checkpoints. Partitions are discovered when the source opens;
// partitions added to the topic later are read after a restart.
func KafkaSource() SourceFactory {
	return SourceFactory{
		Name: KafkaConnector,
		Options: []OptionSpec{
			{Name: "brokers", Required: true, Doc: "seed brokers, host:port, comma-separated"},
			{Name: "topic", Required: true, Doc: "the topic read, all of its partitions"},
			{Name: "group_id", Doc: "consumer group the source commits its offsets to, for Kafka tools to show progress; it does not assign partitions"},
			{Name: "start", Default: "earliest", Allowed: []string{"earliest", "latest"}, Doc: "where a new source begins: the oldest retained record or the next new one"},
			FormatOption("json", "csv", "raw"),
			DelimiterOption(),
			OnErrorOption(),
			IdleTimeoutOption(),
		},
		New: newKafkaSource,
	}
}

func newKafkaSource(cfg SourceConfig) (Source, error) {
	dec, err := NewDecoder(cfg)
	if err != nil {
		return nil, err
	}
	policy, err := NewBadRecordPolicy(cfg)
	if err != nil {
		return nil, err
	}
	brokers, err := brokerList(cfg.Options["brokers"])
	if err != nil {
		return nil, err
	}
	topic, err := topicOption(cfg.Options)
	if err != nil {
		return nil, err
	}
	start := kafka.StartEarliest
	if cfg.Options["start"] == "latest" {
		start = kafka.StartLatest
	}
	src := kafka.NewSource(kafka.SourceConfig{
		Brokers:    brokers,
		Topic:      topic,
		Start:      start,
		GroupID:    cfg.Options["group_id"],
		Clock:      cfg.Clock,
		Width:      len(cfg.Schema),
		Decoder:    dec,
		BadRecords: policy,
	})
	return kafkaSource{Source: src, BadRecordPolicy: policy}, nil
}

// KafkaSink returns the factory of the Kafka sink: one record per row,
// produced with the idempotent producer and acknowledged before Write
// returns.
func KafkaSink() SinkFactory {
	return SinkFactory{
		Name: KafkaConnector,
		Options: []OptionSpec{
			{Name: "brokers", Required: true, Doc: "seed brokers, host:port, comma-separated"},
			{Name: "topic", Required: true, Doc: "the topic written to; it must exist"},
			FormatOption("json", "csv"),
			DelimiterOption(),
			{Name: "key", Doc: "column whose value, as text, is the record key (records are then partitioned by it)"},
		},
		New: newKafkaSink,
	}
}

func newKafkaSink(cfg SinkConfig) (Sink, error) {
	enc, err := NewEncoder(cfg)
	if err != nil {
		return nil, err
	}
	brokers, err := brokerList(cfg.Options["brokers"])
	if err != nil {
		return nil, err
	}
	topic, err := topicOption(cfg.Options)
	if err != nil {
		return nil, err
	}
	key := -1
	if name, ok := cfg.Options["key"]; ok {
		if key = cfg.Schema.Index(name); key < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn, "key column %q of sink %s does not exist", name, cfg.Name)
		}
	}
	sink, err := kafka.NewSink(kafka.SinkConfig{Brokers: brokers, Topic: topic, Encoder: enc, KeyColumn: key})
	if err != nil {
		return nil, err
	}
	return sink, nil
}

// brokerList splits the brokers option into host:port entries.
func brokerList(s string) ([]string, error) {
	var brokers []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		return nil, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want host:port, comma-separated", s, "brokers")
	}
	return brokers, nil
}

// topicOption reads the topic option, which must not be empty.
func topicOption(options map[string]string) (string, error) {
	t := options["topic"]
	if strings.TrimSpace(t) == "" {
		return "", types.Errorf(types.CodeInvalidParameterValue, "option %q must not be empty", "topic")
	}
	return t, nil
}
