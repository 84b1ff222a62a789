package planner

import (
	"github.com/novelty-db/novelty/types"
)

// scopeColumn is a column visible to expressions: its qualifier (table name
// or alias), name and position in the input row.
type scopeColumn struct {
	Qualifier string
	Name      string
	Type      types.Type
	Index     int
}

// scope is the set of columns an expression may reference.
type scope struct {
	cols []scopeColumn
}

func scopeOf(qualifier string, schema types.Schema, offset int) *scope {
	s := &scope{cols: make([]scopeColumn, len(schema))}
	for i, c := range schema {
		s.cols[i] = scopeColumn{Qualifier: qualifier, Name: c.Name, Type: c.Type, Index: offset + i}
	}
	return s
}

// concat returns a scope with s's columns followed by other's.
func (s *scope) concat(other *scope) *scope {
	out := &scope{cols: make([]scopeColumn, 0, len(s.cols)+len(other.cols))}
	out.cols = append(out.cols, s.cols...)
	out.cols = append(out.cols, other.cols...)
	return out
}

// resolve finds the column qualifier.name (qualifier may be empty).
func (s *scope) resolve(qualifier, name string) (scopeColumn, error) {
	var found []scopeColumn
	for _, c := range s.cols {
		if c.Name == name && (qualifier == "" || c.Qualifier == qualifier) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		if qualifier != "" && !s.hasQualifier(qualifier) {
			return scopeColumn{}, types.Errorf(types.CodeUndefinedTable,
				"missing FROM-clause entry for table %q", qualifier)
		}
		full := name
		if qualifier != "" {
			full = qualifier + "." + name
		}
		return scopeColumn{}, types.Errorf(types.CodeUndefinedColumn, "column %s does not exist", quoteName(full))
	}
	return scopeColumn{}, types.Errorf(types.CodeAmbiguousColumn, "column reference %q is ambiguous", name)
}

func (s *scope) hasQualifier(q string) bool {
	for _, c := range s.cols {
		if c.Qualifier == q {
			return true
		}
	}
	return false
}

// quoteName renders a possibly qualified column name like Postgres does in
// messages: column "x" / column t.x.
func quoteName(n string) string {
	for _, r := range n {
		if r == '.' {
			return n
		}
	}
	return `"` + n + `"`
}
