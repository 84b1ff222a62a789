package format

import (
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// RawDecoder puts each record, as is, in the one column of its schema that
// is not skipped: the bytes for bytea, the text (which must be valid UTF-8
// without NUL) for text and varchar. Skipped columns are left NULL.
type RawDecoder struct {
	column  int
	typ     types.Type
	skipped []int
}

// RawEncoder writes the single column of each row as the record: bytes as
// they are, any other type in its text form.
type RawEncoder struct{}

// RawConfig configures a raw decoder.
type RawConfig struct {
	// Skip names columns the decoder leaves NULL: the connector fills them
	// (record metadata). Names not in the schema have no effect.
	Skip map[string]bool
}

// NewRawDecoder builds a decoder for a schema with exactly one column
// besides the skipped ones, of type bytea, text or varchar.
func NewRawDecoder(schema types.Schema, cfg RawConfig) (*RawDecoder, error) {
	d := &RawDecoder{column: -1}
	for c, col := range schema {
		switch {
		case cfg.Skip[col.Name]:
			d.skipped = append(d.skipped, c)
		case d.column >= 0:
			return nil, rawSchemaError(schema, cfg.Skip)
		default:
			d.column = c
		}
	}
	if d.column < 0 {
		return nil, rawSchemaError(schema, cfg.Skip)
	}
	d.typ = schema[d.column].Type
	switch d.typ {
	case types.Bytea, types.Text, types.Varchar:
		return d, nil
	}
	return nil, types.Errorf(types.CodeInvalidParameterValue,
		"format raw needs a bytea, text or varchar column, got %s %s", schema[d.column].Name, d.typ)
}

func rawSchemaError(schema types.Schema, skip map[string]bool) error {
	payload := 0
	for _, col := range schema {
		if !skip[col.Name] {
			payload++
		}
	}
	if payload == len(schema) {
		return types.Errorf(types.CodeInvalidParameterValue, "format raw needs exactly one column, got %d", payload)
	}
	return types.Errorf(types.CodeInvalidParameterValue,
		"format raw needs exactly one column besides the metadata columns, got %d", payload)
}

// Decode implements Decoder.
func (d *RawDecoder) Decode(raw []byte, row []types.Datum) error {
	for _, c := range d.skipped {
		row[c] = types.Null
	}
	if d.typ == types.Bytea {
		row[d.column] = types.NewBytes(raw)
		return nil
	}
	if !utf8.Valid(raw) {
		return types.Errorf(types.CodeInvalidTextRepresent, "invalid byte sequence for encoding \"UTF8\"")
	}
	for _, c := range raw {
		if c == 0 {
			return types.Errorf(types.CodeInvalidTextRepresent, "text cannot contain NUL (0x00) bytes")
		}
	}
	row[d.column] = types.NewString(d.typ, string(raw))
	return nil
}

// Encode implements Encoder.
func (RawEncoder) Encode(buf []byte, row []types.Datum) []byte {
	d := row[0]
	if d.Typ.Family() == types.FamilyBytes {
		return append(buf, d.S...)
	}
	return types.AppendText(buf, d, nil)
}
