package connectors

import (
	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// Option names shared by connectors that carry formatted records.
const (
	FormatOptionName    = "format"
	DelimiterOptionName = "delimiter"
)

// FormatOption declares the format option with the given allowed formats;
// the first is the default.
func FormatOption(allowed ...string) OptionSpec {
	return OptionSpec{
		Name:    FormatOptionName,
		Default: allowed[0],
		Allowed: allowed,
		Doc:     "record format",
	}
}

// DelimiterOption declares the CSV field delimiter option.
func DelimiterOption() OptionSpec {
	return OptionSpec{Name: DelimiterOptionName, Default: ",", Doc: "CSV field delimiter: one character, or \\t for tab"}
}

// NewDecoder builds the decoder cfg.Options[format] selects for cfg.Schema.
// Metadata columns (cfg.Metadata) are left NULL by the decoder, for the
// connector to fill from the record's envelope: the payload never sets them,
// and a csv record has fields for the other columns only.
func NewDecoder(cfg SourceConfig) (format.Decoder, error) {
	f := cfg.Options[FormatOptionName]
	if len(cfg.Paths) > 0 && f != "json" {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "column paths need format 'json', not %q", f)
	}
	var skip map[string]bool
	if len(cfg.Metadata) > 0 {
		skip = make(map[string]bool, len(cfg.Metadata))
		for col := range cfg.Metadata {
			skip[col] = true
		}
	}
	switch f {
	case "json", "":
		return format.NewJSONDecoder(cfg.Schema, format.JSONConfig{Paths: cfg.Paths, Skip: skip})
	case "csv":
		delim, err := parseDelimiter(cfg.Options[DelimiterOptionName])
		if err != nil {
			return nil, err
		}
		return format.NewCSVDecoder(cfg.Schema, format.CSVConfig{Delimiter: delim, Skip: skip}), nil
	case "raw":
		return format.NewRawDecoder(cfg.Schema, format.RawConfig{Skip: skip})
	}
	return nil, types.Errorf(types.CodeInvalidParameterValue, "unknown format %q", f)
}

// NewEncoder builds the encoder cfg.Options[format] selects.
func NewEncoder(cfg SinkConfig) (format.Encoder, error) {
	switch f := cfg.Options[FormatOptionName]; f {
	case "json", "":
		return format.NewJSONEncoder(cfg.Schema), nil
	case "csv":
		delim, err := parseDelimiter(cfg.Options[DelimiterOptionName])
		if err != nil {
			return nil, err
		}
		return format.NewCSVEncoder(format.CSVConfig{Delimiter: delim}), nil
	case "raw":
		if len(cfg.Schema) != 1 {
			return nil, types.Errorf(types.CodeInvalidParameterValue, "format raw needs exactly one column, got %d", len(cfg.Schema))
		}
		return format.RawEncoder{}, nil
	default:
		return nil, types.Errorf(types.CodeInvalidParameterValue, "unknown format %q", f)
	}
}

// parseDelimiter reads the delimiter option: one single-byte character
// other than a quote or line break; "\t" (backslash, t) means tab.
func parseDelimiter(s string) (byte, error) {
	switch {
	case s == "":
		return ',', nil
	case s == `\t`:
		return '\t', nil
	case len(s) == 1 && s[0] < 0x80 && s[0] != '"' && s[0] != '\n' && s[0] != '\r':
		return s[0], nil
	}
	return 0, types.Errorf(types.CodeInvalidParameterValue, "invalid value %q for option %q: it must be a single character other than a quote or line break",
		s, DelimiterOptionName)
}
