package connectors

import (
	"math"
	"strconv"

	"github.com/novelty-db/novelty/connectors/httpingest"
	"github.com/novelty-db/novelty/types"
)

// HTTPConnector is the name of the HTTP ingest source.
const HTTPConnector = "http"

// maxHTTPQueueSize bounds queue_size, the records a source holds in memory.
const maxHTTPQueueSize = 10_000_000

// httpSource is an httpingest.Source that also reports its bad-record
// count.
type httpSource struct {
	*httpingest.Source
	*BadRecordPolicy
}

var (
	_ Source           = httpSource{}
	_ BadRecordCounter = httpSource{}
)

// HTTPSource returns the factory of the HTTP ingest source: records
// POSTed to hub at /ingest/<source name> (a nil hub: the server has no HTTP
// endpoint, and creating such a source fails clearly), as JSON (one object or an array)
// or JSON lines. A request is answered 200 with the counts of accepted and
// rejected records once the engine has taken its rows; HTTP cannot replay,
// so clients retry on any other answer.
func HTTPSource(hub *httpingest.Hub) SourceFactory {
	return SourceFactory{
		Name: HTTPConnector,
		Options: []OptionSpec{
			FormatOption("json"),
			{Name: "queue_size", Default: strconv.Itoa(httpingest.DefaultQueueSize),
				Doc: "how many records may wait for the stream; a POST that does not fit is answered 503 with Retry-After"},
			{Name: "max_requests_per_second", Default: "0",
				Doc: "requests accepted per second, in bursts of as many; more are answered 429. 0 is no limit"},
			OnErrorOption(),
		},
		New: func(cfg SourceConfig) (Source, error) { return newHTTPSource(hub, cfg) },
	}
}

func newHTTPSource(hub *httpingest.Hub, cfg SourceConfig) (Source, error) {
	if hub == nil {
		return nil, types.Errorf(types.CodeObjectNotInPrerequisite,
			"connector %q receives events on the server's HTTP endpoint, which is off", HTTPConnector).
			WithHint("Start the server with --http 127.0.0.1:9464; events are POSTed to /ingest/%s.", cfg.Name)
	}
	dec, policy, err := recordReading(cfg)
	if err != nil {
		return nil, err
	}
	queueSize, err := httpQueueSize(cfg.Options["queue_size"])
	if err != nil {
		return nil, err
	}
	rate, err := httpRequestRate(cfg.Options["max_requests_per_second"])
	if err != nil {
		return nil, err
	}
	src := httpingest.NewSource(hub, httpingest.SourceConfig{
		Name:                 cfg.Name,
		Width:                len(cfg.Schema),
		Decoder:              dec,
		BadRecords:           policy,
		QueueSize:            queueSize,
		MaxRequestsPerSecond: rate,
	})
	return httpSource{Source: src, BadRecordPolicy: policy}, nil
}

// httpQueueSize reads queue_size: a whole number from 1 to
// maxHTTPQueueSize; "" is the default.
func httpQueueSize(s string) (int, error) {
	if s == "" {
		return httpingest.DefaultQueueSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxHTTPQueueSize {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want a whole number from 1 to %d", s, "queue_size", maxHTTPQueueSize)
	}
	return n, nil
}

// httpRequestRate reads max_requests_per_second: a number, 0 or more
// (fractions allowed: '0.5' is one request every two seconds).
func httpRequestRate(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || r < 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want a number of requests per second, 0 (no limit) or more", s, "max_requests_per_second")
	}
	return r, nil
}
