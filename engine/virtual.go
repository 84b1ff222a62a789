package engine

import (
	"fmt"

	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// VirtualTables provides read-only relations computed from the engine's
// catalog when a query reads them: pg_catalog and information_schema, so
// that psql, drivers and migration tools find what they look for.
type VirtualTables interface {
	// Lookup returns the columns of the virtual relation schema.name
	// (schema is "pg_catalog" or "information_schema", names lower case).
	Lookup(schema, name string) (types.Schema, bool)
	// OID returns the relation's pg_class OID.
	OID(schema, name string) (uint32, bool)
	// Rows computes the relation's rows from a snapshot of the catalog.
	Rows(schema, name string, snap *CatalogSnapshot) ([][]types.Datum, error)
}

// CatalogSnapshot is what virtual tables see of the engine and the session
// reading them.
type CatalogSnapshot struct {
	// Relations are the user's sources, streams and tables, by name.
	Relations []RelationInfo
	// Sinks are the user's sinks, by name.
	Sinks []SinkInfo
	// Database and User are the session's.
	Database, User string
	// Settings are the session's settings (lower-case names).
	Settings map[string]string
}

// RelationInfo describes one source, stream or table.
type RelationInfo struct {
	// OID is the relation's Postgres object id (stable: derived from its
	// catalog id).
	OID  uint32
	Name string
	Kind parser.ObjectKind
	// Columns are in order; PrimaryKey holds column indexes.
	Columns    types.Schema
	PrimaryKey []int
	// Defaults holds, per column, the SQL text of its default ("" none).
	Defaults []string
	// Query is a stream's query text.
	Query string
	// Connector is a source's connector ("insert" for one fed by INSERT
	// and COPY, "" for system sources and other relations).
	Connector string
}

// SinkInfo describes one sink.
type SinkInfo struct {
	Name, From, Connector string
}

// relationOID is the Postgres OID of the object with catalog id id.
func relationOID(id uint64) uint32 { return planner.UserOID(id) }

// snapshot captures the catalog for virtual tables read by s.
func (s *Session) snapshot() *CatalogSnapshot {
	snap := &CatalogSnapshot{Database: s.database, User: s.user, Settings: make(map[string]string, len(s.params))}
	for k, v := range s.params {
		snap.Settings[k] = v
	}
	for _, kind := range []parser.ObjectKind{parser.KindSource, parser.KindStream, parser.KindTable, parser.KindSink} {
		for _, o := range s.e.sortedObjects(kind) {
			if o == s.e.errors {
				continue
			}
			if kind == parser.KindSink {
				snap.Sinks = append(snap.Sinks, SinkInfo{Name: o.name, From: o.deps[0], Connector: o.connector})
				continue
			}
			info := RelationInfo{OID: relationOID(o.id), Name: o.name, Kind: o.kind,
				Columns: o.rel.Schema, PrimaryKey: o.rel.PrimaryKey, Query: o.query, Defaults: make([]string, len(o.rel.Schema))}
			if kind == parser.KindSource {
				info.Connector = sourceConnector(s.e, o)
			}
			for i, d := range o.rel.Defaults {
				switch d.(type) {
				case nil:
				case *planner.NextSerial:
					// Postgres' text for a serial column's default; the
					// sequence is implicit in Novelty.
					info.Defaults[i] = fmt.Sprintf("nextval('%s_%s_seq'::regclass)", o.name, o.rel.Schema[i].Name)
				default:
					info.Defaults[i] = d.String()
				}
			}
			snap.Relations = append(snap.Relations, info)
		}
	}
	return snap
}
