package format

import (
	"time"

	"github.com/novelty-db/novelty/types"
)

// CSVEncoder writes each row as an RFC 4180 record: values in their
// Postgres text form (types.AppendText, timestamptz in Location), NULL as
// an empty unquoted field, and a field quoted (with "" for ") when it is
// empty or holds the delimiter, a quote or a line break, so CSVDecoder
// reads back exactly what was written.
type CSVEncoder struct {
	delim   byte
	loc     *time.Location
	scratch []byte
}

// NewCSVEncoder builds a CSV encoder.
func NewCSVEncoder(cfg CSVConfig) *CSVEncoder {
	e := &CSVEncoder{delim: cfg.Delimiter, loc: cfg.Location}
	if e.delim == 0 {
		e.delim = ','
	}
	if e.loc == nil {
		e.loc = time.UTC
	}
	return e
}

// Encode implements Encoder.
func (e *CSVEncoder) Encode(buf []byte, row []types.Datum) []byte {
	for i, d := range row {
		if i > 0 {
			buf = append(buf, e.delim)
		}
		if d.IsNull() {
			continue
		}
		e.scratch = types.AppendText(e.scratch[:0], d, e.loc)
		buf = e.appendField(buf, e.scratch)
	}
	return buf
}

// Header appends the record of column names of schema.
func (e *CSVEncoder) Header(buf []byte, schema types.Schema) []byte {
	for i, c := range schema {
		if i > 0 {
			buf = append(buf, e.delim)
		}
		buf = e.appendField(buf, []byte(c.Name))
	}
	return buf
}

func (e *CSVEncoder) appendField(buf, field []byte) []byte {
	if !e.needsQuotes(field) {
		return append(buf, field...)
	}
	return AppendCSVQuoted(buf, field)
}

// AppendCSVQuoted appends field in double quotes, its quotes doubled
// (RFC 4180, and Postgres' COPY CSV with the default QUOTE and ESCAPE).
func AppendCSVQuoted(buf, field []byte) []byte {
	buf = append(buf, '"')
	for _, c := range field {
		if c == '"' {
			buf = append(buf, '"')
		}
		buf = append(buf, c)
	}
	return append(buf, '"')
}

func (e *CSVEncoder) needsQuotes(field []byte) bool {
	if len(field) == 0 {
		return true
	}
	for _, c := range field {
		if c == e.delim || c == '"' || c == '\n' || c == '\r' {
			return true
		}
	}
	return false
}
