package connectors

import (
	"math"
	"strconv"
	"strings"
	"time"

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
	_ Source            = kafkaSource{}
	_ BadRecordCounter  = kafkaSource{}
	_ Sink              = (*kafka.Sink)(nil)
	_ TransactionalSink = (*kafka.TransactionalSink)(nil)
)

// KafkaSource returns the factory of the Kafka source. By default it reads
// every partition of one topic directly (no group rebalancing) from the
// offsets the engine checkpoints; partitions are discovered when the source
// opens, and partitions added to the topic later are read after a restart.
// With group_assign = 'true' it joins group_id instead and reads the
// partitions the group assigns it, so sources in several servers split the
// topic (see kafka.SourceConfig.GroupAssign).
//
// Columns declared METADATA FROM 'key' | 'headers' | 'partition' | 'offset'
// | 'timestamp' are filled from each record's envelope, never from its
// payload; kafka.MetadataField says which column types each accepts.
func KafkaSource() SourceFactory {
	options := []OptionSpec{
		{Name: "brokers", Required: true, Doc: "seed brokers, host:port, comma-separated"},
		{Name: "topic", Required: true, Doc: "the topic read"},
		{Name: "group_id", Doc: "consumer group: without group_assign the source only commits its offsets there, for Kafka tools to show progress"},
		{Name: "group_assign", Default: "false", Allowed: boolValues(),
			Doc: "join group_id as a member: the group splits the topic's partitions between the sources that join it"},
		{Name: "start", Default: "earliest", Allowed: []string{"earliest", "latest"}, Doc: "where a new source begins: the oldest retained record or the next new one"},
		{Name: "isolation_level", Default: "read_committed", Allowed: []string{"read_committed", "read_uncommitted"},
			Doc: "read_committed reads transactional records once their transaction commits and never those of aborted ones; read_uncommitted reads all at once"},
		FormatOption("json", "csv", "raw"),
		DelimiterOption(),
		OnErrorOption(),
	}
	return SourceFactory{
		Name:     KafkaConnector,
		Options:  append(options, kafkaSecurityOptions()...),
		New:      newKafkaSource,
		Metadata: kafka.MetadataKeys(),
	}
}

func newKafkaSource(cfg SourceConfig) (Source, error) {
	dec, policy, err := recordReading(cfg)
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
	metadata, err := kafka.ResolveMetadata(cfg.Schema, cfg.Metadata)
	if err != nil {
		return nil, err
	}
	security, err := kafkaSecurity(cfg.Options, cfg.BaseDir)
	if err != nil {
		return nil, err
	}
	groupAssign := cfg.Options["group_assign"] == "true"
	if groupAssign && cfg.Options["group_id"] == "" {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "option %q needs option %q: the group to join", "group_assign", "group_id")
	}
	start := kafka.StartEarliest
	if cfg.Options["start"] == "latest" {
		start = kafka.StartLatest
	}
	isolation := kafka.ReadCommitted
	if cfg.Options["isolation_level"] == "read_uncommitted" {
		isolation = kafka.ReadUncommitted
	}
	src, err := kafka.NewSource(kafka.SourceConfig{
		Brokers:     brokers,
		Topic:       topic,
		Start:       start,
		Isolation:   isolation,
		GroupID:     cfg.Options["group_id"],
		GroupAssign: groupAssign,
		Clock:       cfg.Clock,
		Width:       len(cfg.Schema),
		Decoder:     dec,
		Metadata:    metadata,
		BadRecords:  policy,
		Security:    security,
	})
	if err != nil {
		return nil, err
	}
	return kafkaSource{Source: src, BadRecordPolicy: policy}, nil
}

// KafkaSink returns the factory of the Kafka sink: one record per row,
// produced asynchronously with the idempotent producer; Flush waits for the
// acknowledgements. With exactly_once = 'true' the sink is a
// TransactionalSink: its rows are produced in Kafka transactions that
// commit with the checkpoints (kafka.TransactionalSink), so read_committed
// consumers see every row once, across crashes.
func KafkaSink() SinkFactory {
	options := []OptionSpec{
		{Name: "brokers", Required: true, Doc: "seed brokers, host:port, comma-separated"},
		{Name: "topic", Required: true, Doc: "the topic written to; it must exist"},
		FormatOption("json", "csv"),
		DelimiterOption(),
		{Name: "key", Doc: "column whose value, as text, is the record key (records are then partitioned by it)"},
		{Name: "compression", Default: "snappy", Allowed: []string{"none", "gzip", "snappy", "lz4", "zstd"},
			Doc: "codec of record batches (snappy: cheap and readable by every Kafka since 0.8)"},
		{Name: "batch_max_bytes", Doc: "largest record batch before compression, in bytes (default 1000012, Kafka's default max.message.bytes)"},
		{Name: "linger", Default: "0", Doc: "how long a batch waits for more rows before it is sent ('5ms'); each flush waits for its rows, so this adds latency"},
		{Name: "exactly_once", Default: "false", Allowed: boolValues(),
			Doc: "produce in Kafka transactions committed with the checkpoints: read_committed consumers see each row once, after its checkpoint"},
		{Name: "transactional_id_prefix",
			Doc: "exactly_once: the sink's transactional ids are <prefix>-0, <prefix>-1...; default novelty-<sink name>. Unique per sink: recovery aborts every open transaction under it"},
		{Name: "transaction_timeout",
			Doc: "exactly_once: how long a transaction may stay open before the broker aborts it (default '15m', Kafka's usual ceiling); it must outlast a checkpoint interval plus a restart"},
	}
	return SinkFactory{
		Name:    KafkaConnector,
		Options: append(options, kafkaSecurityOptions()...),
		New:     newKafkaSink,
	}
}

// kafkaCompressions maps the compression option's values to codecs.
var kafkaCompressions = map[string]kafka.Compression{
	"none": kafka.CompressionNone, "gzip": kafka.CompressionGzip, "snappy": kafka.CompressionSnappy,
	"lz4": kafka.CompressionLZ4, "zstd": kafka.CompressionZstd,
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
	batchMax, err := batchMaxBytes(cfg.Options["batch_max_bytes"])
	if err != nil {
		return nil, err
	}
	linger, err := lingerOption(cfg.Options["linger"])
	if err != nil {
		return nil, err
	}
	security, err := kafkaSecurity(cfg.Options, cfg.BaseDir)
	if err != nil {
		return nil, err
	}
	sinkCfg := kafka.SinkConfig{
		Brokers:       brokers,
		Topic:         topic,
		Encoder:       enc,
		KeyColumn:     key,
		Compression:   kafkaCompressions[cfg.Options["compression"]],
		BatchMaxBytes: batchMax,
		Linger:        linger,
		Security:      security,
	}
	if cfg.Options["exactly_once"] != "true" {
		for _, name := range []string{"transactional_id_prefix", "transaction_timeout"} {
			if _, given := cfg.Options[name]; given {
				return nil, types.Errorf(types.CodeInvalidParameterValue, "option %q needs exactly_once = 'true'", name)
			}
		}
		sink, err := kafka.NewSink(sinkCfg)
		if err != nil {
			return nil, err
		}
		return sink, nil
	}
	txn, err := kafkaTransactions(cfg)
	if err != nil {
		return nil, err
	}
	sink, err := kafka.NewTransactionalSink(sinkCfg, txn)
	if err != nil {
		return nil, err
	}
	return sink, nil
}

// kafkaTransactions reads the exactly_once sink's options.
func kafkaTransactions(cfg SinkConfig) (kafka.TransactionConfig, error) {
	txn := kafka.TransactionConfig{IDPrefix: "novelty-" + cfg.Name}
	if p, given := cfg.Options["transactional_id_prefix"]; given {
		if strings.TrimSpace(p) == "" {
			return txn, types.Errorf(types.CodeInvalidParameterValue, "option %q must not be empty", "transactional_id_prefix")
		}
		txn.IDPrefix = p
	}
	if s, given := cfg.Options["transaction_timeout"]; given {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second || d.Milliseconds() > math.MaxInt32 {
			return txn, types.Errorf(types.CodeInvalidParameterValue,
				"invalid value %q for option %q: want a duration from '1s' to '596h', such as '15m'", s, "transaction_timeout")
		}
		txn.Timeout = d
	}
	return txn, nil
}

// batchMaxBytes reads batch_max_bytes; "" keeps the client's default (0).
func batchMaxBytes(s string) (int32, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil || n <= 0 {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want a positive number of bytes below 2147483648, such as '1048576'", s, "batch_max_bytes")
	}
	return int32(n), nil
}

// lingerOption reads linger: a duration of zero or more.
func lingerOption(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want a duration such as '5ms', or '0'", s, "linger")
	}
	return d, nil
}

// kafkaSASLMechanisms maps the sasl_mechanism option's values to mechanisms.
var kafkaSASLMechanisms = map[string]kafka.SASLMechanism{
	"plain": kafka.SASLPlain, "scram-sha-256": kafka.SASLScramSHA256, "scram-sha-512": kafka.SASLScramSHA512,
}

// kafkaSASLNames are the sasl_mechanism option's values.
var kafkaSASLNames = []string{"plain", "scram-sha-256", "scram-sha-512"}

// kafkaSecurityOptions declares the TLS and SASL options the Kafka source
// and sink share.
func kafkaSecurityOptions() []OptionSpec {
	return []OptionSpec{
		{Name: "tls", Default: "false", Allowed: boolValues(), Doc: "connect to the brokers over TLS"},
		{Name: "tls_ca_file", Doc: "tls: PEM file of the authorities that sign the brokers' certificates (default: the system's)"},
		{Name: "tls_cert_file", Doc: "tls: PEM client certificate, for brokers that authenticate clients by certificate"},
		{Name: "tls_key_file", Doc: "tls: PEM private key of tls_cert_file"},
		{Name: "tls_insecure_skip_verify", Default: "false", Allowed: boolValues(), Doc: "tls: accept any broker certificate (tests only)"},
		{Name: "sasl_mechanism", Allowed: kafkaSASLNames, Doc: "authenticate with SASL"},
		{Name: "sasl_username", Doc: "SASL user name"},
		{Name: "sasl_password", Doc: "SASL password; never shown in errors"},
	}
}

// kafkaSecurity reads the TLS and SASL options. File paths are relative to
// baseDir. Errors name the options and never contain the password.
func kafkaSecurity(options map[string]string, baseDir string) (kafka.Security, error) {
	var sec kafka.Security
	tlsFiles := []string{"tls_ca_file", "tls_cert_file", "tls_key_file"}
	if options["tls"] == "true" {
		sec.TLS = &kafka.TLSConfig{InsecureSkipVerify: options["tls_insecure_skip_verify"] == "true"}
		files := []*string{&sec.TLS.CAFile, &sec.TLS.CertFile, &sec.TLS.KeyFile}
		for i, name := range tlsFiles {
			if p := options[name]; p != "" {
				path, err := resolvePath(baseDir, p)
				if err != nil {
					return kafka.Security{}, err
				}
				*files[i] = path
			}
		}
	} else {
		for _, name := range tlsFiles {
			if _, given := options[name]; given {
				return kafka.Security{}, needsTLS(name)
			}
		}
		if options["tls_insecure_skip_verify"] == "true" {
			return kafka.Security{}, needsTLS("tls_insecure_skip_verify")
		}
	}
	mechanism, ok := options["sasl_mechanism"]
	if !ok {
		for _, name := range []string{"sasl_username", "sasl_password"} {
			if _, given := options[name]; given {
				return kafka.Security{}, types.Errorf(types.CodeInvalidParameterValue,
					"option %q needs option %q: one of %s", name, "sasl_mechanism", strings.Join(kafkaSASLNames, ", "))
			}
		}
		return sec, nil
	}
	for _, name := range []string{"sasl_username", "sasl_password"} {
		if options[name] == "" {
			return kafka.Security{}, types.Errorf(types.CodeInvalidParameterValue, "option %q is required with sasl_mechanism", name)
		}
	}
	sec.SASL = &kafka.SASLConfig{
		Mechanism: kafkaSASLMechanisms[mechanism],
		Username:  options["sasl_username"],
		Password:  kafka.Password(options["sasl_password"]),
	}
	return sec, nil
}

func needsTLS(option string) error {
	return types.Errorf(types.CodeInvalidParameterValue, "option %q needs tls = 'true'", option)
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
