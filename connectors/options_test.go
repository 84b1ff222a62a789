package connectors

import (
	"maps"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

var kafkaLike = []OptionSpec{
	{Name: "brokers", Required: true},
	{Name: "topic", Required: true},
	{Name: "start", Default: "latest", Allowed: []string{"earliest", "latest"}},
	FormatOption("json", "csv", "raw"),
	{Name: "group_id"},
}

func opts(kv ...string) parser.Options {
	var o parser.Options
	for i := 0; i < len(kv); i += 2 {
		o = append(o, parser.Option{Key: kv[i], Value: kv[i+1], Pos: 10 * (i/2 + 1)})
	}
	return o
}

func TestValidate(t *testing.T) {
	got, err := Validate("kafka", kafkaLike, opts("connector", "kafka", "brokers", "b:9092", "topic", "t", "format", "CSV"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"brokers": "b:9092", "topic": "t", "format": "csv", "start": "latest"}
	if !maps.Equal(got, want) {
		t.Errorf("Validate = %v, want %v", got, want)
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name string
		opts parser.Options
		code string
		msg  string
		hint string
		pos  int
	}{
		{
			name: "unknown option close to a known one",
			opts: opts("brokers", "b", "topc", "t"),
			code: types.CodeInvalidParameterValue,
			msg:  `unknown option "topc" for connector kafka`,
			hint: "Did you mean topic? Valid options for connector kafka: brokers, connector, format, group_id, start, topic.",
			pos:  20,
		},
		{
			name: "unknown option far from all",
			opts: opts("colour", "red"),
			code: types.CodeInvalidParameterValue,
			msg:  `unknown option "colour" for connector kafka`,
			hint: "Valid options for connector kafka: brokers, connector, format, group_id, start, topic.",
			pos:  10,
		},
		{
			name: "missing required option",
			opts: opts("brokers", "b"),
			code: types.CodeInvalidParameterValue,
			msg:  `option "topic" is required for connector kafka`,
		},
		{
			name: "value not allowed",
			opts: opts("brokers", "b", "topic", "t", "format", "xml"),
			code: types.CodeInvalidParameterValue,
			msg:  `invalid value "xml" for option "format": allowed values are json, csv, raw`,
			pos:  30,
		},
		{
			name: "repeated option",
			opts: opts("brokers", "b", "topic", "t", "topic", "u"),
			code: types.CodeSyntaxError,
			msg:  `option "topic" given more than once for connector kafka`,
			pos:  30,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate("kafka", kafkaLike, tt.opts)
			e, ok := types.AsError(err)
			if !ok {
				t.Fatalf("Validate = %v, want a *types.Error", err)
			}
			if e.Code != tt.code || e.Message != tt.msg || e.Hint != tt.hint || e.Position != tt.pos {
				t.Errorf("Validate = %s %q hint %q pos %d\nwant %s %q hint %q pos %d",
					e.Code, e.Message, e.Hint, e.Position, tt.code, tt.msg, tt.hint, tt.pos)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"topc", "topic", 1}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"same", "same", 0}, {"fiel", "file", 1}, {"ab", "ba", 1},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if _, ok := closest("ab", []string{"xy"}); ok {
		t.Error("closest suggested a name two edits from a two-letter word")
	}
}

func TestRegistry(t *testing.T) {
	r := Default()
	if _, err := r.Source("FILE"); err != nil {
		t.Errorf("Source(FILE) = %v", err)
	}
	if _, err := r.Sink("file"); err != nil {
		t.Errorf("Sink(file) = %v", err)
	}
	_, err := r.Source("fiel")
	e, ok := types.AsError(err)
	if !ok || e.Code != types.CodeInvalidParameterValue || e.Message != `unknown source connector "fiel"` ||
		!strings.Contains(e.Hint, "Did you mean file?") || !strings.Contains(e.Hint, "Known source connectors: datagen, file, kafka, kinesis, nexmark.") {
		t.Errorf("Source(fiel) = %#v", err)
	}
	r.RegisterSource(SourceFactory{Name: "example"})
	if got := strings.Join(r.SourceNames(), ","); got != "datagen,example,file,kafka,kinesis,nexmark" {
		t.Errorf("SourceNames = %s", got)
	}
	if got := strings.Join(Default().SourceNames(), ","); got != "datagen,file,kafka,kinesis,nexmark" {
		t.Errorf("registering into one registry changed another: %s", got)
	}
}
