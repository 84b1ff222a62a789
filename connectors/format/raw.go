package format

import (
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// RawDecoder puts each record, as is, in the single column of its schema:
// the bytes for bytea, the text (which must be valid UTF-8 without NUL) for
// text and varchar.
type RawDecoder struct {
	typ types.Type
}

// RawEncoder writes the single column of each row as the record: bytes as
// they are, any other type in its text form.
type RawEncoder struct{}

// NewRawDecoder builds a decoder for a one-column schema of type bytea,
// text or varchar.
func NewRawDecoder(schema types.Schema) (*RawDecoder, error) {
	if err := checkRawSchema(schema); err != nil {
		return nil, err
	}
	return &RawDecoder{typ: schema[0].Type}, nil
}

func checkRawSchema(schema types.Schema) error {
	if len(schema) != 1 {
		return types.Errorf(types.CodeInvalidParameterValue, "format raw needs exactly one column, got %d", len(schema))
	}
	switch schema[0].Type {
	case types.Bytea, types.Text, types.Varchar:
		return nil
	}
	return types.Errorf(types.CodeInvalidParameterValue,
		"format raw needs a bytea, text or varchar column, got %s %s", schema[0].Name, schema[0].Type)
}

// Decode implements Decoder.
func (d *RawDecoder) Decode(raw []byte, row []types.Datum) error {
	if d.typ == types.Bytea {
		row[0] = types.NewBytes(raw)
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
	row[0] = types.NewString(d.typ, string(raw))
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
