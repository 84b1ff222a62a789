package connectors

import (
	"path/filepath"
	"time"

	"github.com/novelty-db/novelty/connectors/file"
	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// FileConnector is the name of the file connector.
const FileConnector = "file"

func boolValues() []string { return []string{"true", "false"} }

// FileSource returns the factory of the file source: JSON lines, CSV or raw
// lines from a local file, read once (bounded) or followed as it grows.
func FileSource() SourceFactory {
	return SourceFactory{
		Name: FileConnector,
		Options: []OptionSpec{
			{Name: "path", Required: true, Doc: "the file; relative paths are under the server's data directory"},
			FormatOption("json", "csv", "raw"),
			{Name: "header", Default: "false", Allowed: boolValues(), Doc: "csv: the first line is a header, skipped"},
			DelimiterOption(),
			{Name: "follow", Default: "false", Allowed: boolValues(), Doc: "keep reading as the file grows (tail -F) instead of ending at its end"},
			{Name: "poll_interval", Default: "100ms", Doc: "follow: how often to look for new data"},
			OnErrorOption(),
		},
		New: newFileSource,
	}
}

// fileSource is a file.Source that also reports its bad-record count.
type fileSource struct {
	*file.Source
	*BadRecordPolicy
}

var (
	_ Source           = fileSource{}
	_ BadRecordCounter = fileSource{}
	_ Sink             = (*file.Sink)(nil)
)

func newFileSource(cfg SourceConfig) (Source, error) {
	dec, policy, err := recordReading(cfg)
	if err != nil {
		return nil, err
	}
	header, err := csvHeader(cfg.Options)
	if err != nil {
		return nil, err
	}
	poll, err := parsePollInterval(cfg.Options["poll_interval"])
	if err != nil {
		return nil, err
	}
	path, err := resolvePath(cfg.BaseDir, cfg.Options["path"])
	if err != nil {
		return nil, err
	}
	src := file.NewSource(file.SourceConfig{
		Path:         path,
		Width:        len(cfg.Schema),
		Decoder:      dec,
		CSV:          cfg.Options[FormatOptionName] == "csv",
		Header:       header,
		Follow:       cfg.Options["follow"] == "true",
		PollInterval: poll,
		BadRecords:   policy,
	})
	return fileSource{Source: src, BadRecordPolicy: policy}, nil
}

// FileSink returns the factory of the file sink: one JSON object or CSV
// record per line, appended to a local file.
func FileSink() SinkFactory {
	return SinkFactory{
		Name: FileConnector,
		Options: []OptionSpec{
			{Name: "path", Required: true, Doc: "the file, created if missing and appended to; relative paths are under the server's data directory"},
			FormatOption("json", "csv"),
			{Name: "header", Default: "false", Allowed: boolValues(), Doc: "csv: write a header line to a new or empty file"},
			DelimiterOption(),
		},
		New: newFileSink,
	}
}

func newFileSink(cfg SinkConfig) (Sink, error) {
	enc, err := NewEncoder(cfg)
	if err != nil {
		return nil, err
	}
	path, err := resolvePath(cfg.BaseDir, cfg.Options["path"])
	if err != nil {
		return nil, err
	}
	withHeader, err := csvHeader(cfg.Options)
	if err != nil {
		return nil, err
	}
	var header []byte
	if csv, ok := enc.(*format.CSVEncoder); ok && withHeader {
		header = csv.Header(nil, cfg.Schema)
	}
	sink, err := file.NewSink(file.SinkConfig{Path: path, Encoder: enc, Header: header})
	if err != nil {
		return nil, err
	}
	return sink, nil
}

// csvHeader reads the header option, which only format csv accepts.
func csvHeader(options map[string]string) (bool, error) {
	if options["header"] != "true" {
		return false, nil
	}
	if f := options[FormatOptionName]; f != "csv" {
		return false, types.Errorf(types.CodeInvalidParameterValue, "option %q needs format 'csv', not %q", "header", f)
	}
	return true, nil
}

// parsePollInterval reads poll_interval; "" is file.DefaultPollInterval.
func parsePollInterval(s string) (time.Duration, error) {
	if s == "" {
		return file.DefaultPollInterval, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want a positive duration such as '100ms'", s, "poll_interval")
	}
	return d, nil
}

// resolvePath places a relative path option under base.
func resolvePath(base, p string) (string, error) {
	switch {
	case p == "":
		return "", types.Errorf(types.CodeInvalidParameterValue, "option %q must not be empty", "path")
	case filepath.IsAbs(p) || base == "":
		return p, nil
	}
	return filepath.Join(base, p), nil
}
