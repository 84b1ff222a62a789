package format

import (
	"time"

	"github.com/novelty-db/novelty/types"
)

// CSVConfig configures CSV decoding and encoding.
type CSVConfig struct {
	// Delimiter separates fields; 0 means ','.
	Delimiter byte
	// Location reads timestamptz values without a zone; nil is UTC.
	Location *time.Location
	// Skip names columns the decoder leaves NULL and that take no field:
	// the connector fills them (record metadata). The record's fields are
	// the other columns, in order. Names not in the schema have no effect;
	// encoders ignore Skip.
	Skip map[string]bool
}

// CSVDecoder reads one RFC 4180 record per call into a row, fields by
// position. A field that is empty and unquoted is NULL; "" is the empty
// string. Values are read with types.ParseText. A record with a different
// number of fields than the schema has columns (less the skipped ones) is
// an error.
type CSVDecoder struct {
	schema  types.Schema
	columns []int // per field, the column it fills
	skipped []int // columns set to NULL on every record
	delim   byte
	loc     *time.Location
	scratch []byte
}

// NewCSVDecoder builds a decoder for rows of schema.
func NewCSVDecoder(schema types.Schema, cfg CSVConfig) *CSVDecoder {
	d := &CSVDecoder{schema: schema, delim: cfg.Delimiter, loc: cfg.Location}
	if d.delim == 0 {
		d.delim = ','
	}
	if d.loc == nil {
		d.loc = time.UTC
	}
	for c, col := range schema {
		if cfg.Skip[col.Name] {
			d.skipped = append(d.skipped, c)
		} else {
			d.columns = append(d.columns, c)
		}
	}
	return d
}

// Decode implements Decoder. A trailing "\n" or "\r\n" is ignored; a
// quoted field may contain line breaks.
func (d *CSVDecoder) Decode(raw []byte, row []types.Datum) error {
	raw = trimNewline(raw)
	for _, c := range d.skipped {
		row[c] = types.Null
	}
	i, n := 0, 0
	for {
		field, quoted, next, err := d.field(raw, i)
		if err != nil {
			return err
		}
		if n >= len(d.columns) {
			return fieldCountError(len(d.columns), n+1+countFields(raw[next:], d.delim))
		}
		col := d.columns[n]
		if row[col], err = d.value(col, field, quoted); err != nil {
			return err
		}
		n++
		if next >= len(raw) {
			break
		}
		i = next + 1 // past the delimiter
	}
	if n != len(d.columns) {
		return fieldCountError(len(d.columns), n)
	}
	return nil
}

func (d *CSVDecoder) value(col int, field []byte, quoted bool) (types.Datum, error) {
	if len(field) == 0 && !quoted {
		return types.Null, nil
	}
	c := d.schema[col]
	v, err := types.ParseText(c.Type, string(field), d.loc)
	if err != nil {
		return types.Null, columnError(c.Name, err)
	}
	return v, nil
}

// field reads the field starting at raw[i]. next is the offset of the
// delimiter after it, or len(raw) at the end of the record.
func (d *CSVDecoder) field(raw []byte, i int) (field []byte, quoted bool, next int, err error) {
	if i >= len(raw) || raw[i] != '"' {
		j := i
		for j < len(raw) && raw[j] != d.delim {
			if raw[j] == '"' {
				return nil, false, j, csvError(j, `bare " in an unquoted field`)
			}
			j++
		}
		return raw[i:j], false, j, nil
	}
	start := i
	field = d.scratch[:0]
	for i++; ; i++ {
		if i >= len(raw) {
			return nil, true, i, csvError(start, "unterminated quoted field")
		}
		if raw[i] == '"' {
			if i+1 < len(raw) && raw[i+1] == '"' {
				field = append(field, '"')
				i++
				continue
			}
			break
		}
		field = append(field, raw[i])
	}
	d.scratch = field
	i++
	if i < len(raw) && raw[i] != d.delim {
		return nil, true, i, csvError(i, `unexpected character after a closing "`)
	}
	return field, true, i, nil
}

func trimNewline(raw []byte) []byte {
	if n := len(raw); n > 0 && raw[n-1] == '\n' {
		raw = raw[:n-1]
		if n > 1 && raw[n-2] == '\r' {
			raw = raw[:n-2]
		}
	}
	return raw
}

// countFields counts the fields of a record tail that starts at a
// delimiter, for the error message only; quotes are not interpreted.
func countFields(rest []byte, delim byte) int {
	n := 0
	for _, c := range rest {
		if c == delim {
			n++
		}
	}
	return n
}

func fieldCountError(want, got int) error {
	return types.Errorf(types.CodeInvalidTextRepresent, "CSV record has %d fields, want %d", got, want)
}

func csvError(i int, what string) error {
	return types.Errorf(types.CodeInvalidTextRepresent, "invalid CSV at byte %d: %s", i, what)
}

// CSVRecordComplete reports whether b holds a whole CSV record: its quotes
// are balanced, so a line break in b is not inside a quoted field. Line
// oriented readers join lines until it holds.
func CSVRecordComplete(b []byte) bool {
	n := 0
	for _, c := range b {
		if c == '"' {
			n++
		}
	}
	return n%2 == 0
}
