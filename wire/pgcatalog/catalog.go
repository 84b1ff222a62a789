package pgcatalog

import (
	"fmt"
	"sort"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// Namespace OIDs. pg_catalog and public have Postgres' fixed OIDs;
// information_schema's is assigned by initdb in Postgres, fixed here.
const (
	pgCatalogNamespace         = 11
	publicNamespace            = 2200
	informationSchemaNamespace = 13000
)

// userOIDBase is where the OIDs of user objects start.
const userOIDBase = types.FirstUserOID

// ownerOID is the OID of the one role, the session user, who owns
// everything (Postgres' bootstrap superuser OID).
const ownerOID = 10

// Access method OIDs (Postgres').
const (
	heapAM  = 2
	btreeAM = 403
)

// defaultCollation is Postgres' "default" collation, the collation of
// collatable types.
const defaultCollation = 100

// Relation kinds (pg_class.relkind) of the user's objects: a table is a
// table, a stream is shown as a view (it is defined by a query), a source as
// a foreign table (its rows live outside Novelty).
const (
	relkindTable   = 'r'
	relkindView    = 'v'
	relkindForeign = 'f'
)

// namespaces are the schemas, by OID.
var namespaces = []struct {
	oid  uint32
	name string
}{
	{pgCatalogNamespace, SchemaPgCatalog},
	{publicNamespace, "public"},
	{informationSchemaNamespace, SchemaInformationSchema},
}

func namespaceOID(schema string) uint32 {
	for _, n := range namespaces {
		if n.name == schema {
			return n.oid
		}
	}
	return publicNamespace
}

// relEntry is one row of pg_class as every relation-listing catalog sees
// it: a virtual relation or one of the user's sources, streams and tables.
type relEntry struct {
	oid        uint32
	schema     string
	name       string
	kind       byte
	columns    types.Schema
	primaryKey []int
	// defaults holds, per column, its default's SQL text ("" none); nil for
	// virtual relations.
	defaults []string
	// query is a stream's query text.
	query string
	// connector is a source's connector (its foreign server).
	connector string
	// user is set for the user's objects.
	user bool
}

// hasDefault reports whether column i has a default.
func (r *relEntry) hasDefault(i int) bool { return i < len(r.defaults) && r.defaults[i] != "" }

// notNull reports whether column i is declared NOT NULL (primary key
// columns are).
func (r *relEntry) notNull(i int) bool {
	if !r.columns[i].Nullable {
		return true
	}
	for _, k := range r.primaryKey {
		if k == i {
			return true
		}
	}
	return false
}

// catalog is what one Rows call reads: the snapshot plus every relation.
type catalog struct {
	snap *engine.CatalogSnapshot
	// rels holds every relation, by OID.
	rels []relEntry
}

// newCatalog checks snap, which the rows functions then trust, and lists
// its relations with the virtual ones.
func newCatalog(snap *engine.CatalogSnapshot, virtual []*relation) (*catalog, error) {
	c := &catalog{snap: snap, rels: make([]relEntry, 0, len(virtual)+len(snap.Relations))}
	for _, r := range virtual {
		c.rels = append(c.rels, relEntry{oid: r.oid, schema: r.schema, name: r.name, kind: r.kind, columns: r.columns})
	}
	for i := range snap.Relations {
		info := &snap.Relations[i]
		if err := checkRelation(info); err != nil {
			return nil, err
		}
		c.rels = append(c.rels, relEntry{oid: info.OID, schema: "public", name: info.Name, kind: relkindOf(info.Kind),
			columns: info.Columns, primaryKey: info.PrimaryKey, defaults: info.Defaults, query: info.Query,
			connector: info.Connector, user: true})
	}
	sort.SliceStable(c.rels, func(i, j int) bool { return c.rels[i].oid < c.rels[j].oid })
	return c, nil
}

// checkRelation reports a snapshot relation whose primary key or defaults
// do not fit its columns, or whose OID is not a user object's.
func checkRelation(info *engine.RelationInfo) error {
	if info.OID < userOIDBase {
		return fmt.Errorf("relation %q has OID %d, below the user range", info.Name, info.OID)
	}
	if len(info.Defaults) != 0 && len(info.Defaults) != len(info.Columns) {
		return fmt.Errorf("relation %q has %d defaults for %d columns", info.Name, len(info.Defaults), len(info.Columns))
	}
	for _, k := range info.PrimaryKey {
		if k < 0 || k >= len(info.Columns) {
			return fmt.Errorf("relation %q has primary key column %d of %d", info.Name, k, len(info.Columns))
		}
	}
	return nil
}

func relkindOf(k parser.ObjectKind) byte {
	switch k {
	case parser.KindStream:
		return relkindView
	case parser.KindSource:
		return relkindForeign
	}
	return relkindTable
}

// database is the session's database name.
func (c *catalog) database() string { return c.snap.Database }

func sortedByOID(rels []*relation) []*relation {
	out := append([]*relation(nil), rels...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].oid < out[j].oid })
	return out
}

// byName returns the relations ordered by schema and name, as
// information_schema lists them.
func (c *catalog) byName() []*relEntry {
	out := make([]*relEntry, len(c.rels))
	for i := range c.rels {
		out[i] = &c.rels[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].schema != out[j].schema {
			return out[i].schema < out[j].schema
		}
		return out[i].name < out[j].name
	})
	return out
}
