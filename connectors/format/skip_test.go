package format

import (
	"slices"
	"testing"

	"github.com/novelty-db/novelty/types"
)

// skipSchema has two metadata columns around and between the payload ones.
var skipSchema = types.Schema{
	{Name: "part", Type: types.Int4},
	{Name: "id", Type: types.Int8},
	{Name: "k", Type: types.Text},
	{Name: "name", Type: types.Text},
}

var skipMetadata = map[string]bool{"part": true, "k": true}

// stale fills a row with values a decoder must overwrite.
func stale() []types.Datum {
	return []types.Datum{types.NewInt(9), types.NewInt(9), types.NewText("stale"), types.NewText("stale")}
}

func TestDecodersLeaveSkippedColumnsNull(t *testing.T) {
	jsonDec, err := NewJSONDecoder(skipSchema, JSONConfig{Skip: skipMetadata})
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Datum{types.Null, types.NewInt(1), types.Null, types.NewText("ann")}
	tests := []struct {
		name string
		dec  Decoder
		raw  string
	}{
		// Fields named like the skipped columns are payload, not metadata.
		{"json", jsonDec, `{"part":3,"id":1,"k":"payload","name":"ann"}`},
		{"csv", NewCSVDecoder(skipSchema, CSVConfig{Skip: skipMetadata}), "1,ann"},
	}
	for _, tt := range tests {
		row := stale()
		if err := tt.dec.Decode([]byte(tt.raw), row); err != nil {
			t.Fatalf("%s: Decode: %v", tt.name, err)
		}
		if !slices.Equal(row, want) {
			t.Errorf("%s: row = %+v, want %+v", tt.name, row, want)
		}
	}
}

func TestCSVSkipCountsOnlyPayloadFields(t *testing.T) {
	d := NewCSVDecoder(skipSchema, CSVConfig{Skip: skipMetadata})
	for _, raw := range []string{"1", "1,ann,extra", "7,1,k,ann"} {
		if err := d.Decode([]byte(raw), stale()); types.CodeOf(err) != types.CodeInvalidTextRepresent {
			t.Errorf("Decode(%q) = %v, want a field count error", raw, err)
		}
	}
}

func TestJSONSkippedColumnTakesNoPath(t *testing.T) {
	_, err := NewJSONDecoder(skipSchema, JSONConfig{Skip: skipMetadata, Paths: map[string]string{"k": "$.a"}})
	if types.CodeOf(err) != types.CodeInvalidParameterValue {
		t.Errorf("NewJSONDecoder with a path on a skipped column = %v, want 22023", err)
	}
}

func TestRawSkip(t *testing.T) {
	schema := types.Schema{{Name: "k", Type: types.Bytea}, {Name: "data", Type: types.Text}, {Name: "part", Type: types.Int4}}
	d, err := NewRawDecoder(schema, RawConfig{Skip: map[string]bool{"k": true, "part": true}})
	if err != nil {
		t.Fatal(err)
	}
	row := []types.Datum{types.NewText("stale"), types.NewText("stale"), types.NewInt(9)}
	if err := d.Decode([]byte("hello"), row); err != nil {
		t.Fatal(err)
	}
	if want := []types.Datum{types.Null, types.NewText("hello"), types.Null}; !slices.Equal(row, want) {
		t.Errorf("row = %+v, want %+v", row, want)
	}
	tests := []struct {
		skip map[string]bool
		msg  string
	}{
		{map[string]bool{"k": true}, "format raw needs exactly one column besides the metadata columns, got 2"},
		{map[string]bool{"k": true, "data": true, "part": true}, "format raw needs exactly one column besides the metadata columns, got 0"},
		{map[string]bool{"data": true, "k": true}, "format raw needs a bytea, text or varchar column, got part integer"},
	}
	for _, tt := range tests {
		_, err := NewRawDecoder(schema, RawConfig{Skip: tt.skip})
		if e, ok := types.AsError(err); !ok || e.Message != tt.msg {
			t.Errorf("NewRawDecoder(skip %v) = %v, want %q", tt.skip, err, tt.msg)
		}
	}
}
