// Package pgcatalog serves pg_catalog and information_schema as read-only
// relations computed from a snapshot of the engine's catalog, so that psql,
// drivers and migration tools find the schemas, relations, columns, types
// and settings they look up.
package pgcatalog

import (
	"fmt"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/types"
)

// The schemas this package serves.
const (
	SchemaPgCatalog         = "pg_catalog"
	SchemaInformationSchema = "information_schema"
)

// relation is one virtual relation: its place in pg_class and how its rows
// are computed.
type relation struct {
	schema, name string
	// oid is its pg_class OID: Postgres' own for the pg_catalog tables,
	// fixed numbers below FirstNormalObjectId for the views.
	oid uint32
	// kind is its pg_class.relkind: 'r' for catalog tables, 'v' for views.
	kind    byte
	columns types.Schema
	rows    func(c *catalog) [][]types.Datum
}

// Tables serves every virtual relation. It is immutable and safe for
// concurrent use.
type Tables struct {
	byName map[string]*relation
	// ordered holds the relations by OID, as pg_class lists them.
	ordered []*relation
}

var _ engine.VirtualTables = (*Tables)(nil)

// New returns the pg_catalog and information_schema relations.
func New() *Tables {
	rels := definitions()
	t := &Tables{byName: make(map[string]*relation, len(rels)), ordered: sortedByOID(rels)}
	for _, r := range rels {
		t.byName[qualified(r.schema, r.name)] = r
	}
	return t
}

// Lookup returns the columns of schema.name (both lower case).
func (t *Tables) Lookup(schema, name string) (types.Schema, bool) {
	r, ok := t.byName[qualified(schema, name)]
	if !ok {
		return nil, false
	}
	return r.columns, true
}

// Rows computes the rows of schema.name from snap. Each call computes them
// afresh; the caller owns the result.
func (t *Tables) Rows(schema, name string, snap *engine.CatalogSnapshot) ([][]types.Datum, error) {
	r, ok := t.byName[qualified(schema, name)]
	if !ok {
		return nil, types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", qualified(schema, name))
	}
	if snap == nil {
		return nil, fmt.Errorf("pgcatalog: rows of %s: no catalog snapshot", qualified(schema, name))
	}
	c, err := newCatalog(snap, t.ordered)
	if err != nil {
		return nil, fmt.Errorf("pgcatalog: rows of %s: %w", qualified(schema, name), err)
	}
	return r.rows(c), nil
}

// OID returns the pg_class OID of the virtual relation schema.name.
func (t *Tables) OID(schema, name string) (uint32, bool) {
	r, ok := t.byName[qualified(schema, name)]
	if !ok {
		return 0, false
	}
	return r.oid, true
}

// Names returns the qualified names of every relation, by OID.
func (t *Tables) Names() []string {
	names := make([]string, len(t.ordered))
	for i, r := range t.ordered {
		names[i] = qualified(r.schema, r.name)
	}
	return names
}

func qualified(schema, name string) string { return schema + "." + name }

// definitions lists every virtual relation.
func definitions() []*relation {
	return []*relation{
		pgNamespace(), pgClass(), pgAttribute(), pgAttrdef(), pgType(), pgDatabase(),
		pgSettings(), pgRoles(), pgUser(), pgAm(), pgCollation(), pgConstraint(),
		pgTables(), pgViews(),
		pgIndex(), pgDescription(), pgProc(), pgInherits(), pgPolicy(), pgStatisticExt(),
		pgPublication(), pgPublicationNamespace(), pgPublicationRel(), pgTrigger(),
		pgRewrite(), pgExtension(), pgForeignServer(), pgForeignTable(), pgForeignDataWrapper(),
		infoTables(), infoColumns(), infoSchemata(), infoViews(), infoTableConstraints(),
		infoKeyColumnUsage(),
	}
}
