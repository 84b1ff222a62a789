package kafka

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/novelty-db/novelty/types"
)

// MetadataField is a part of a record's envelope a column can hold
// (METADATA FROM 'key').
type MetadataField uint8

// The metadata fields.
const (
	// MetadataKey is the record key: text, varchar (valid UTF-8 without
	// NUL, else the record is a bad record) or bytea; NULL when the record
	// has no key.
	MetadataKey MetadataField = iota
	// MetadataHeaders is a json or jsonb object mapping each header name to
	// its value as a string (the last one wins for a repeated name; bytes
	// that are not UTF-8 become U+FFFD).
	MetadataHeaders
	// MetadataPartition is the partition number: integer or bigint.
	MetadataPartition
	// MetadataOffset is the record's offset in its partition: bigint.
	MetadataOffset
	// MetadataTimestamp is the record timestamp: timestamptz, or timestamp
	// holding the UTC time.
	MetadataTimestamp
)

// metadataSpecs names the fields as users write them and the column types
// each accepts, in the order of the MetadataField constants.
var metadataSpecs = [...]struct {
	name  string
	types []types.Type
}{
	MetadataKey:       {"key", []types.Type{types.Text, types.Varchar, types.Bytea}},
	MetadataHeaders:   {"headers", []types.Type{types.JSONB, types.JSON}},
	MetadataPartition: {"partition", []types.Type{types.Int4, types.Int8}},
	MetadataOffset:    {"offset", []types.Type{types.Int8}},
	MetadataTimestamp: {"timestamp", []types.Type{types.TimestampTZ, types.Timestamp}},
}

// MetadataKeys lists the metadata keys a source column may declare, as
// users write them in METADATA FROM '...'.
func MetadataKeys() []string {
	keys := make([]string, len(metadataSpecs))
	for i, s := range metadataSpecs {
		keys[i] = s.name
	}
	return keys
}

// MetadataColumn is a column filled from the record's envelope.
type MetadataColumn struct {
	// Column is the column's position in the row.
	Column int
	// Field is what it holds.
	Field MetadataField
	// Type is the column's declared type, one Field accepts.
	Type types.Type
}

// ResolveMetadata maps the metadata columns (column name to metadata key)
// of schema to MetadataColumns, checking each key and each column's type.
func ResolveMetadata(schema types.Schema, columns map[string]string) ([]MetadataColumn, error) {
	out := make([]MetadataColumn, 0, len(columns))
	for name, key := range columns {
		c := schema.Index(name)
		if c < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn, "metadata column %q does not exist", name)
		}
		f, ok := metadataField(key)
		if !ok {
			return nil, types.Errorf(types.CodeInvalidParameterValue, "column %q: kafka has no metadata %q", name, key).
				WithHint("Allowed values: %s.", strings.Join(MetadataKeys(), ", "))
		}
		spec := metadataSpecs[f]
		typ := schema[c].Type
		if !slices.Contains(spec.types, typ) {
			names := make([]string, len(spec.types))
			for i, t := range spec.types {
				names[i] = t.String()
			}
			return nil, types.Errorf(types.CodeDatatypeMismatch, "column %q holds kafka metadata %q and must be of type %s, not %s",
				name, spec.name, strings.Join(names, " or "), typ)
		}
		out = append(out, MetadataColumn{Column: c, Field: f, Type: typ})
	}
	slices.SortFunc(out, func(a, b MetadataColumn) int { return a.Column - b.Column })
	return out, nil
}

func metadataField(key string) (MetadataField, bool) {
	for f, s := range metadataSpecs {
		if strings.EqualFold(s.name, key) {
			return MetadataField(f), true
		}
	}
	return 0, false
}

// metadataFiller sets the metadata columns of rows. It reuses its scratch
// buffers between records and is used by the reading goroutine only.
type metadataFiller struct {
	columns []MetadataColumn
	buf     []byte
	order   []int
}

// fill sets the metadata columns of row from r. The error, for a key that
// is not valid text, makes r a bad record.
func (m *metadataFiller) fill(r *kgo.Record, row []types.Datum) error {
	for _, mc := range m.columns {
		switch mc.Field {
		case MetadataKey:
			d, err := keyDatum(mc.Type, r.Key)
			if err != nil {
				return err
			}
			row[mc.Column] = d
		case MetadataHeaders:
			row[mc.Column] = types.Datum{Typ: mc.Type, S: m.headersJSON(r.Headers)}
		case MetadataPartition:
			row[mc.Column] = types.NewIntOf(mc.Type, int64(r.Partition))
		case MetadataOffset:
			row[mc.Column] = types.NewIntOf(mc.Type, r.Offset)
		case MetadataTimestamp:
			row[mc.Column] = types.Datum{Typ: mc.Type, I: r.Timestamp.UnixMicro()}
		}
	}
	return nil
}

func keyDatum(typ types.Type, key []byte) (types.Datum, error) {
	switch {
	case key == nil:
		return types.Null, nil
	case typ == types.Bytea:
		return types.NewBytes(key), nil
	case !utf8.Valid(key):
		return types.Null, types.Errorf(types.CodeInvalidTextRepresent, "record key: invalid byte sequence for encoding \"UTF8\"")
	case slices.Contains(key, 0):
		return types.Null, types.Errorf(types.CodeInvalidTextRepresent, "record key: text cannot contain NUL (0x00) bytes")
	}
	return types.NewString(typ, string(key)), nil
}

// headersJSON writes headers as a JSON object in jsonb's normal form: keys
// shorter first then bytewise, the last of repeated keys kept, ", " and
// ": " separators.
func (m *metadataFiller) headersJSON(headers []kgo.RecordHeader) string {
	m.order = m.order[:0]
	for i := range headers {
		m.order = append(m.order, i)
	}
	slices.SortStableFunc(m.order, func(a, b int) int {
		ka, kb := headers[a].Key, headers[b].Key
		if len(ka) != len(kb) {
			return len(ka) - len(kb)
		}
		return strings.Compare(ka, kb)
	})
	m.buf = append(m.buf[:0], '{')
	first := true
	for i, h := range m.order {
		if i+1 < len(m.order) && headers[m.order[i+1]].Key == headers[h].Key {
			continue
		}
		if !first {
			m.buf = append(m.buf, ", "...)
		}
		first = false
		m.buf = types.AppendJSONString(m.buf, strings.ToValidUTF8(headers[h].Key, "\uFFFD"))
		m.buf = append(m.buf, ": "...)
		m.buf = appendUTF8JSONString(m.buf, headers[h].Value)
	}
	m.buf = append(m.buf, '}')
	return string(m.buf)
}

// appendUTF8JSONString quotes b as a JSON string, invalid UTF-8 replaced
// by U+FFFD.
func appendUTF8JSONString(buf, b []byte) []byte {
	if utf8.Valid(b) {
		return types.AppendJSONString(buf, string(b))
	}
	return types.AppendJSONString(buf, strings.ToValidUTF8(string(b), "\uFFFD"))
}
