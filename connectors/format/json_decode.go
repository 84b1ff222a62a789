package format

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// JSONConfig configures a JSON decoder.
type JSONConfig struct {
	// Paths maps a column name to the JSON path its value is read from
	// ('$.a.b', '$.a[0]', '$["odd key"]', '$' for the whole record).
	// Columns without a path read the top-level field of their own name.
	Paths map[string]string
	// Location reads timestamptz strings that carry no zone; nil is UTC.
	Location *time.Location
	// Skip names columns the decoder leaves NULL, whatever the record
	// holds: the connector fills them (record metadata such as a Kafka
	// key). They take no path; names not in the schema have no effect.
	Skip map[string]bool
}

// JSONDecoder reads one JSON object per record into a row.
//
// Columns without a path match the top-level field of the same name; when
// no field has exactly that name, a field equal to it ignoring case is
// used. A field the record lacks (or null) reads as NULL; fields no column
// asks for are validated and skipped. Values convert to the column type:
//
//   - integers take JSON numbers with an integral value in range (2, 2.0
//     and 2e0 are all 2); floats and numeric take numbers, and strings in
//     the type's text form ("NaN", "Infinity", "12.50");
//   - boolean takes true and false;
//   - text and varchar take strings; any other JSON value is kept as its
//     JSON text (an object becomes '{"a":1}');
//   - date, timestamp and timestamptz take strings in Postgres' input
//     forms (types.ParseText; a timestamptz without zone is in Location),
//     and numbers as milliseconds since 1970-01-01 UTC;
//   - json keeps the value's JSON text, jsonb its normalised text;
//   - text[] takes an array (elements as for text) or a '{a,b}' string;
//   - uuid, bytea and interval take strings in their text forms.
//
// Any other combination is an error naming the column. A decoder is not
// safe for concurrent use: it reuses scratch buffers between records.
type JSONDecoder struct {
	schema types.Schema
	root   *jsonNode
	// fold maps the lower-cased names of path-less columns to a node that
	// sets only those columns, for the case-insensitive fallback.
	fold map[string]*jsonNode
	loc  *time.Location
	// state records per column how the current record set it.
	state   []matchState
	key     []byte
	scratch []byte
	// texts shares the strings of repeated short text values.
	texts stringCache
}

type matchState uint8

const (
	unset matchState = iota
	setByFold
	setExactly
)

// jsonNode is a position in the records that some column's path reaches.
type jsonNode struct {
	columns []int                // columns whose value is the value here
	fields  map[string]*jsonNode // object members on the way to other columns
	elems   []*jsonNode          // array elements on the way to other columns
	// members holds fields as a list when there are at most
	// maxListedMembers of them, for field's ordered search; nil otherwise.
	members []jsonMember
	// prev is the member found last; the member expected next is the one
	// that followed it the previous time (its follow). Records of one
	// source mostly list their fields in one order, which this learns from
	// one record.
	prev int
}

// jsonMember is one of a node's fields.
type jsonMember struct {
	name string
	node *jsonNode
	// follow is the member found after this one the last time.
	follow int
	// plain says name needs no escaping in JSON, so a record's key is this
	// member exactly when its bytes between the quotes are name.
	plain bool
}

// maxListedMembers bounds the fields a node searches in order; a node with
// more looks fields up in its map.
const maxListedMembers = 16

// NewJSONDecoder builds a decoder for rows of schema. A path naming no
// column of schema, or one that does not parse, is a 22023 error.
func NewJSONDecoder(schema types.Schema, cfg JSONConfig) (*JSONDecoder, error) {
	d := &JSONDecoder{
		schema: schema,
		root:   &jsonNode{},
		fold:   map[string]*jsonNode{},
		loc:    cfg.Location,
		state:  make([]matchState, len(schema)),
		texts:  newStringCache(),
	}
	if d.loc == nil {
		d.loc = time.UTC
	}
	for name := range cfg.Paths {
		if schema.Index(name) < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn, "JSON path given for unknown column %q", name)
		}
		if cfg.Skip[name] {
			return nil, types.Errorf(types.CodeInvalidParameterValue, "column %q is filled by the connector and takes no JSON path", name)
		}
	}
	for c, col := range schema {
		if cfg.Skip[col.Name] {
			continue
		}
		path, ok := cfg.Paths[col.Name]
		if !ok {
			d.root.child(pathStep{field: col.Name, index: -1}).addColumn(c)
			lower := asciiLower(col.Name)
			if d.fold[lower] == nil {
				d.fold[lower] = &jsonNode{}
			}
			d.fold[lower].addColumn(c)
			continue
		}
		steps, err := parsePath(path)
		if err != nil {
			return nil, err
		}
		n := d.root
		for _, s := range steps {
			n = n.child(s)
		}
		n.addColumn(c)
	}
	d.root.listMembers()
	return d, nil
}

// listMembers fills members of n and of every node below it.
func (n *jsonNode) listMembers() {
	for name, child := range n.fields {
		if len(n.fields) <= maxListedMembers {
			n.members = append(n.members, jsonMember{name: name, node: child, plain: plainJSONKey(name)})
		}
		child.listMembers()
	}
	slices.SortFunc(n.members, func(a, b jsonMember) int { return strings.Compare(a.name, b.name) })
	for i := range n.members {
		n.members[i].follow = (i + 1) % len(n.members)
	}
	for _, e := range n.elems {
		if e != nil {
			e.listMembers()
		}
	}
}

// plainJSONKey reports whether name is written in JSON as itself between
// quotes: valid UTF-8 without quotes, backslashes or control characters.
func plainJSONKey(name string) bool {
	for _, c := range []byte(name) {
		if c == '"' || c == '\\' || c < 0x20 {
			return false
		}
	}
	return utf8.ValidString(name)
}

// field returns the node of the field named key, or nil. The search starts
// at the member expected next, so records listing their fields in a steady
// order find each with one comparison.
func (n *jsonNode) field(key []byte) *jsonNode {
	if n.members == nil {
		return n.fields[string(key)]
	}
	i := n.expected()
	for range n.members {
		if m := &n.members[i]; m.name == string(key) {
			n.found(i)
			return m.node
		}
		if i++; i == len(n.members) {
			i = 0
		}
	}
	return nil
}

// expectedKey returns the node of the member expected next when the
// object key starting at the quote raw[i] is that member's name, and the
// offset after the key's closing quote. It compares bytes only: a key the
// member does not match this way goes through scanString and field.
func (n *jsonNode) expectedKey(raw []byte, i int) (*jsonNode, int) {
	if n.members == nil {
		return nil, 0
	}
	next := n.expected()
	m := &n.members[next]
	end := i + 1 + len(m.name)
	if !m.plain || end >= len(raw) || raw[end] != '"' || string(raw[i+1:end]) != m.name {
		return nil, 0
	}
	n.found(next)
	return m.node, end + 1
}

// found records that member i came after the member found before it.
func (n *jsonNode) found(i int) {
	n.members[n.prev].follow = i
	n.prev = i
}

// expected is the index of the member expected next.
func (n *jsonNode) expected() int { return n.members[n.prev].follow }

func (n *jsonNode) addColumn(c int) { n.columns = append(n.columns, c) }

func (n *jsonNode) child(s pathStep) *jsonNode {
	if s.index >= 0 {
		for len(n.elems) <= s.index {
			n.elems = append(n.elems, nil)
		}
		if n.elems[s.index] == nil {
			n.elems[s.index] = &jsonNode{}
		}
		return n.elems[s.index]
	}
	if n.fields == nil {
		n.fields = map[string]*jsonNode{}
	}
	c := n.fields[s.field]
	if c == nil {
		c = &jsonNode{}
		n.fields[s.field] = c
	}
	return c
}

// Decode implements Decoder. On error row holds partial values, the
// columns not reached NULL.
func (d *JSONDecoder) Decode(raw []byte, row []types.Datum) error {
	clear(d.state)
	err := d.decode(raw, row)
	d.nullUnset(row)
	return err
}

func (d *JSONDecoder) decode(raw []byte, row []types.Datum) error {
	i := skipSpace(raw, 0)
	if len(d.root.columns) == 0 && (i >= len(raw) || raw[i] != '{') {
		if i >= len(raw) {
			return jsonSyntaxError(i, "empty record")
		}
		return jsonSyntaxError(i, "a record must be a JSON object")
	}
	end, err := d.visit(raw, i, d.root, row, false, 0)
	if err != nil {
		return err
	}
	if end = skipSpace(raw, end); end != len(raw) {
		return jsonSyntaxError(end, "unexpected data after the JSON value")
	}
	return nil
}

// nullUnset sets to NULL the columns of row the record did not set, and
// any beyond the schema: each column is written once per record, not
// cleared first and then set.
func (d *JSONDecoder) nullUnset(row []types.Datum) {
	for c, s := range d.state[:min(len(d.state), len(row))] {
		if s == unset {
			row[c] = types.Null
		}
	}
	for c := len(d.state); c < len(row); c++ {
		row[c] = types.Null
	}
}

// visit handles the value at raw[i], which path node n reaches: it sets
// n's columns and walks on to the nodes below n. byFold says n was reached
// by the case-insensitive fallback, which never overrides an exact match.
func (d *JSONDecoder) visit(raw []byte, i int, n *jsonNode, row []types.Datum, byFold bool, depth int) (int, error) {
	if len(n.columns) == 0 {
		return d.walk(raw, i, n, row, depth)
	}
	if len(n.columns) == 1 && n.fields == nil && n.elems == nil {
		c := n.columns[0]
		if byFold && d.state[c] == setExactly {
			return scanValue(raw, i, depth)
		}
		end, err := d.decodeLeaf(raw, i, c, &row[c], depth)
		if err == nil {
			d.setBy(c, byFold)
		}
		return end, err
	}
	end, err := scanValue(raw, i, depth)
	if err != nil {
		return end, err
	}
	for _, c := range n.columns {
		if byFold && d.state[c] == setExactly {
			continue
		}
		if err := d.convert(c, raw[i:end], &row[c]); err != nil {
			return end, err
		}
		d.setBy(c, byFold)
	}
	if n.fields != nil || n.elems != nil {
		if _, err := d.walk(raw, i, n, row, depth); err != nil {
			return end, err
		}
	}
	return end, nil
}

// setBy records that column c was set, by the fallback or exactly.
func (d *JSONDecoder) setBy(c int, byFold bool) {
	if byFold {
		d.state[c] = setByFold
	} else {
		d.state[c] = setExactly
	}
}

// walk descends into the object or array at raw[i] when n has nodes below
// it; any other value is only validated.
func (d *JSONDecoder) walk(raw []byte, i int, n *jsonNode, row []types.Datum, depth int) (int, error) {
	if i < len(raw) {
		switch {
		case raw[i] == '{' && n.fields != nil:
			return d.walkObject(raw, i, n, row, depth+1)
		case raw[i] == '[' && n.elems != nil:
			return d.walkArray(raw, i, n, row, depth+1)
		}
	}
	return scanValue(raw, i, depth)
}

func (d *JSONDecoder) walkObject(raw []byte, i int, n *jsonNode, row []types.Datum, depth int) (int, error) {
	if depth > maxJSONDepth {
		return i, jsonSyntaxError(i, "nesting too deep")
	}
	start := i
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return i, jsonSyntaxError(i, "expected a field name")
		}
		child, byFold, keyEnd, err := d.member(raw, i, n)
		if err != nil {
			return keyEnd, err
		}
		i = skipSpace(raw, keyEnd)
		if i >= len(raw) || raw[i] != ':' {
			return i, jsonSyntaxError(i, "expected ':'")
		}
		i = skipSpace(raw, i+1)
		if child != nil {
			i, err = d.visit(raw, i, child, row, byFold, depth)
		} else {
			i, err = scanValue(raw, i, depth)
		}
		if err != nil {
			return i, err
		}
		if i, err = afterMember(raw, i, '}', start); err != nil || raw[i-1] == '}' {
			return i, err
		}
	}
}

// member reads the object key starting at the quote raw[i] and returns
// the node it leads to (nil for a field no column reads), whether it was
// found by the case-insensitive fallback, and the offset after the key.
func (d *JSONDecoder) member(raw []byte, i int, n *jsonNode) (*jsonNode, bool, int, error) {
	if child, end := n.expectedKey(raw, i); child != nil {
		return child, false, end, nil
	}
	end, escaped, err := scanString(raw, i)
	if err != nil {
		return nil, false, end, err
	}
	child, byFold, err := d.lookup(n, raw[i:end], escaped)
	if err != nil {
		return nil, false, i, err
	}
	return child, byFold, end, nil
}

// lookup finds the node for the object member whose quoted key is lit.
func (d *JSONDecoder) lookup(n *jsonNode, lit []byte, escaped bool) (*jsonNode, bool, error) {
	key := lit[1 : len(lit)-1]
	if escaped {
		var err error
		if d.key, err = appendUnescaped(d.key[:0], lit); err != nil {
			return nil, false, err
		}
		key = d.key
	}
	if child := n.field(key); child != nil || n != d.root {
		return child, false, nil
	}
	// Lower-casing in place is safe when key aliases d.key: byte i is
	// read before it is written.
	lower := d.key[:0]
	for _, c := range key {
		lower = append(lower, lowerByte(c))
	}
	d.key = lower
	child := d.fold[string(lower)]
	return child, child != nil, nil
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiLower lower-cases ASCII letters only, matching lookup's folding.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerByte(c)
	}
	return string(b)
}

func (d *JSONDecoder) walkArray(raw []byte, i int, n *jsonNode, row []types.Datum, depth int) (int, error) {
	if depth > maxJSONDepth {
		return i, jsonSyntaxError(i, "nesting too deep")
	}
	start := i
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return i + 1, nil
	}
	for idx := 0; ; idx++ {
		var err error
		if idx < len(n.elems) && n.elems[idx] != nil {
			i, err = d.visit(raw, i, n.elems[idx], row, false, depth)
		} else {
			i, err = scanValue(raw, i, depth)
		}
		if err != nil {
			return i, err
		}
		if i, err = afterMember(raw, i, ']', start); err != nil || raw[i-1] == ']' {
			return i, err
		}
	}
}
