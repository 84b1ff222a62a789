// Package planner binds parsed statements against the catalog, checks
// types, and builds plans: plain data describing operator graphs, which exec
// turns into running operators. It knows nothing about how relations are
// stored; the engine implements Catalog.
package planner

import (
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// Relation is a named source of rows the planner can read.
type Relation struct {
	Name   string
	Kind   parser.ObjectKind
	ID     uint64
	Schema types.Schema
	// EventTime is the index of the event-time (watermark) column, or -1.
	EventTime int
	// PrimaryKey holds the column indexes of a table's primary key.
	PrimaryKey []int
	// Defaults holds, per column, what INSERT writes when the column is not
	// given: a constant, a NextSerial, or nil for NULL.
	Defaults []Expr
	// Insertable is set for tables and for sources fed by INSERT.
	Insertable bool
	// Virtual is set for read-only relations computed from the catalog
	// (pg_catalog, information_schema); Name is then schema-qualified.
	Virtual bool
	// OID is a virtual relation's pg_class OID (user relations: UserOID(ID)).
	OID uint32
}

// UserOID is the Postgres OID of the user object with catalog id id.
func UserOID(id uint64) uint32 { return uint32(types.FirstUserOID + id) }

// PGOID is the relation's Postgres OID.
func (r *Relation) PGOID() uint32 {
	if r.Virtual {
		return r.OID
	}
	return UserOID(r.ID)
}

// Catalog is what the planner needs to know about the objects users declared.
type Catalog interface {
	// Relation looks up a source, stream or table by its (already folded)
	// name, or a virtual relation by its qualified name ("pg_catalog.pg_class").
	Relation(name string) (*Relation, bool)
}
