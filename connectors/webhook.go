package connectors

import (
	"strconv"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/connectors/webhook"
	"github.com/novelty-db/novelty/types"
)

// WebhookConnector is the name of the webhook sink.
const WebhookConnector = "webhook"

// maxWebhookBatchSize bounds batch_size: rows per request.
const maxWebhookBatchSize = 100_000

var _ Sink = (*webhook.Sink)(nil)

// WebhookSink returns the factory of the webhook sink: rows POSTed as JSON
// to an HTTP endpoint, retried with backoff until it answers 2xx.
func WebhookSink() SinkFactory {
	return SinkFactory{
		Name: WebhookConnector,
		Options: []OptionSpec{
			{Name: "url", Required: true, Doc: "the endpoint rows are POSTed to, http:// or https://"},
			{Name: FormatOptionName, Default: "json", Allowed: []string{"json", "jsonl"},
				Doc: "request body: json, one JSON array of row objects; jsonl, one row object per line"},
			{Name: "batch_size", Default: strconv.Itoa(webhook.DefaultBatchSize), Doc: "the most rows one request carries"},
			{Name: "timeout", Default: "10s", Doc: "how long one request may take before it is retried"},
			{Name: "max_backoff", Default: "30s", Doc: "the longest wait between retries, a Retry-After included"},
			{Name: "signing_secret", Doc: "when set, header " + webhook.SignatureHeader + " carries sha256= and the hex HMAC-SHA256 of the body"},
			{Name: "headers", Doc: "extra request headers: " + webhook.HeadersSyntax},
		},
		New: newWebhookSink,
	}
}

func newWebhookSink(cfg SinkConfig) (Sink, error) {
	batchSize, err := webhookBatchSize(cfg.Options["batch_size"])
	if err != nil {
		return nil, err
	}
	timeout, err := webhookDuration(cfg.Options, "timeout")
	if err != nil {
		return nil, err
	}
	maxBackoff, err := webhookDuration(cfg.Options, "max_backoff")
	if err != nil {
		return nil, err
	}
	secret, hasSecret := cfg.Options["signing_secret"]
	if hasSecret && secret == "" {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "option %q must not be empty", "signing_secret").
			WithHint("Leave the option out to send unsigned requests.")
	}
	headers, err := webhook.ParseHeaders(cfg.Options["headers"])
	if err != nil {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "invalid value for option %q: %v", "headers", err).
			WithHint("Write %s.", webhook.HeadersSyntax)
	}
	bodyFormat := webhook.FormatJSON
	if cfg.Options[FormatOptionName] == "jsonl" {
		bodyFormat = webhook.FormatJSONLines
	}
	sink, err := webhook.NewSink(webhook.Config{
		Name:          cfg.Name,
		URL:           cfg.Options["url"],
		Format:        bodyFormat,
		Encoder:       format.NewJSONEncoder(cfg.Schema),
		BatchSize:     batchSize,
		Timeout:       timeout,
		MaxBackoff:    maxBackoff,
		SigningSecret: []byte(secret),
		Headers:       headers,
	})
	if err != nil {
		return nil, err
	}
	return sink, nil
}

// webhookBatchSize reads batch_size: a whole number from 1 to
// maxWebhookBatchSize; "" is the default.
func webhookBatchSize(s string) (int, error) {
	if s == "" {
		return webhook.DefaultBatchSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxWebhookBatchSize {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want a whole number from 1 to %d", s, "batch_size", maxWebhookBatchSize)
	}
	return n, nil
}

// webhookDuration reads a positive duration option ('10s', '500ms'); ""
// is 0, which the webhook package replaces by its default.
func webhookDuration(options map[string]string, name string) (time.Duration, error) {
	s := options[name]
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want a positive duration such as '10s' or '500ms'", s, name)
	}
	return d, nil
}
