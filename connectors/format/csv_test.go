package format

import (
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

var csvSchema = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "name", Type: types.Text},
	{Name: "ok", Type: types.Bool},
}

func TestCSVDecode(t *testing.T) {
	tests := []struct {
		name  string
		delim byte
		rec   string
		want  []types.Datum
	}{
		{"plain", 0, "1,ann,true", []types.Datum{types.NewInt(1), types.NewText("ann"), types.NewBool(true)}},
		{"line break ignored", 0, "1,ann,t\r\n", []types.Datum{types.NewInt(1), types.NewText("ann"), types.NewBool(true)}},
		{"empty unquoted is NULL", 0, ",,", []types.Datum{types.Null, types.Null, types.Null}},
		{"quoted empty is empty text", 0, `2,"",f`, []types.Datum{types.NewInt(2), types.NewText(""), types.NewBool(false)}},
		{"quotes and delimiters", 0, `3,"a ""b"", c",`, []types.Datum{types.NewInt(3), types.NewText(`a "b", c`), types.Null}},
		{"line break in quotes", 0, "4,\"x\ny\",true", []types.Datum{types.NewInt(4), types.NewText("x\ny"), types.NewBool(true)}},
		{"spaces kept in text", 0, " 5 , b ,true", []types.Datum{types.NewInt(5), types.NewText(" b "), types.NewBool(true)}},
		{"semicolon", ';', "6;a,b;no", []types.Datum{types.NewInt(6), types.NewText("a,b"), types.NewBool(false)}},
		{"tab", '\t', "7\tx\ty", []types.Datum{types.NewInt(7), types.NewText("x"), types.NewBool(true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewCSVDecoder(csvSchema, CSVConfig{Delimiter: tt.delim})
			row := make([]types.Datum, len(csvSchema))
			if err := d.Decode([]byte(tt.rec), row); err != nil {
				t.Fatalf("Decode(%q): %v", tt.rec, err)
			}
			for i := range row {
				if row[i] != tt.want[i] {
					t.Errorf("column %d = %+v, want %+v", i, row[i], tt.want[i])
				}
			}
		})
	}
}

func TestCSVDecodeErrors(t *testing.T) {
	tests := []struct {
		rec, msg string
	}{
		{"1,a", "CSV record has 2 fields, want 3"},
		{"1,a,t,x,y", "CSV record has 5 fields, want 3"},
		{`1,a"b,t`, `bare "`},
		{`1,"ab,t`, "unterminated quoted field"},
		{`1,"a"b,t`, `after a closing "`},
		{"x,a,t", `column id: invalid input syntax for type bigint: "x"`},
		{"1,a,maybe", `column ok: invalid input syntax for type boolean`},
	}
	d := NewCSVDecoder(csvSchema, CSVConfig{})
	for _, tt := range tests {
		err := d.Decode([]byte(tt.rec), make([]types.Datum, len(csvSchema)))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Decode(%q) = %v, want an error containing %q", tt.rec, err, tt.msg)
		}
		if types.CodeOf(err) == types.CodeInternalError {
			t.Errorf("Decode(%q) error %v has no SQLSTATE", tt.rec, err)
		}
	}
}

func TestCSVRecordComplete(t *testing.T) {
	for rec, want := range map[string]bool{
		"a,b\n":           true,
		"a,\"b\n":         false,
		"a,\"b\nc\"\n":    true,
		`a,"x""y"` + "\n": true,
	} {
		if got := CSVRecordComplete([]byte(rec)); got != want {
			t.Errorf("CSVRecordComplete(%q) = %v, want %v", rec, got, want)
		}
	}
}

func TestCSVEncode(t *testing.T) {
	schema := types.Schema{{Name: "a", Type: types.Text}, {Name: "b b", Type: types.Int8}, {Name: "c", Type: types.TimestampTZ}}
	e := NewCSVEncoder(CSVConfig{})
	tests := []struct {
		row  []types.Datum
		want string
	}{
		{[]types.Datum{types.NewText("x"), types.NewInt(1), types.NewTimestampTZ(0)}, "x,1,1970-01-01 00:00:00+00"},
		{[]types.Datum{types.NewText(""), types.Null, types.Null}, `"",,`},
		{[]types.Datum{types.NewText("a,\"b\"\nc"), types.NewInt(-2), types.Null}, "\"a,\"\"b\"\"\nc\",-2,"},
	}
	for _, tt := range tests {
		if got := string(e.Encode(nil, tt.row)); got != tt.want {
			t.Errorf("Encode(%v) = %q, want %q", tt.row, got, tt.want)
		}
		d := NewCSVDecoder(schema, CSVConfig{})
		back := make([]types.Datum, len(schema))
		if err := d.Decode([]byte(tt.want), back); err != nil {
			t.Fatalf("decoding %q: %v", tt.want, err)
		}
		for i := range back {
			if back[i] != tt.row[i] {
				t.Errorf("round trip of %q: column %d = %+v, want %+v", tt.want, i, back[i], tt.row[i])
			}
		}
	}
	if got := string(e.Header(nil, schema)); got != "a,b b,c" {
		t.Errorf("Header = %q", got)
	}
	if got := string(NewCSVEncoder(CSVConfig{Delimiter: ';'}).Header(nil, types.Schema{{Name: "x;y"}, {Name: "z"}})); got != `"x;y";z` {
		t.Errorf("Header with ; = %q", got)
	}
}

func TestRaw(t *testing.T) {
	text, err := NewRawDecoder(types.Schema{{Name: "data", Type: types.Text}}, RawConfig{})
	if err != nil {
		t.Fatal(err)
	}
	row := make([]types.Datum, 1)
	if err := text.Decode([]byte("héllo"), row); err != nil || row[0] != types.NewText("héllo") {
		t.Errorf("text Decode = %+v, %v", row[0], err)
	}
	for _, bad := range []string{"\xff", "a\x00b"} {
		if err := text.Decode([]byte(bad), row); types.CodeOf(err) != types.CodeInvalidTextRepresent {
			t.Errorf("text Decode(%q) = %v, want 22P02", bad, err)
		}
	}
	bytea, err := NewRawDecoder(types.Schema{{Name: "data", Type: types.Bytea}}, RawConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := bytea.Decode([]byte("\xff\x00"), row); err != nil || row[0] != types.NewBytes([]byte{0xff, 0}) {
		t.Errorf("bytea Decode = %+v, %v", row[0], err)
	}
	if got := string(RawEncoder{}.Encode(nil, row)); got != "\xff\x00" {
		t.Errorf("bytea Encode = %q", got)
	}
	if got := string(RawEncoder{}.Encode([]byte(">"), []types.Datum{types.NewInt(5)})); got != ">5" {
		t.Errorf("int Encode = %q", got)
	}
	for _, schema := range []types.Schema{
		{{Name: "a", Type: types.Text}, {Name: "b", Type: types.Text}},
		{{Name: "a", Type: types.Int8}},
		{},
	} {
		if _, err := NewRawDecoder(schema, RawConfig{}); types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("NewRawDecoder(%v) = %v, want 22023", schema, err)
		}
	}
}
