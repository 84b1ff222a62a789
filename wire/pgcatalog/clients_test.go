package pgcatalog

import "testing"

// clientColumns are the catalog columns the client queries in
// /work/shared/pg-client-traffic.log read (psql \d, \dt, \d <table>, \l,
// \dn, \df, TAB completion; golang-migrate, goose, dbmate; pgjdbc
// getTables, getColumns, getSchemas and type lookups).
var clientColumns = map[string][]string{
	"pg_catalog.pg_class": {"oid", "relname", "relnamespace", "relkind", "relowner", "relam", "relchecks",
		"relhasindex", "relhasrules", "relhastriggers", "relrowsecurity", "relforcerowsecurity", "relispartition",
		"reltablespace", "reloftype", "relpersistence", "relreplident", "reltoastrelid", "relpartbound"},
	"pg_catalog.pg_namespace": {"oid", "nspname", "nspowner"},
	"pg_catalog.pg_am":        {"oid", "amname"},
	"pg_catalog.pg_attribute": {"attrelid", "attname", "atttypid", "atttypmod", "attnum", "attnotnull", "atthasdef",
		"attcollation", "attidentity", "attgenerated", "attisdropped", "attlen"},
	"pg_catalog.pg_attrdef":   {"adbin", "adrelid", "adnum"},
	"pg_catalog.pg_collation": {"oid", "collname"},
	"pg_catalog.pg_type": {"oid", "typname", "typnamespace", "typcollation", "typtype", "typnotnull", "typtypmod",
		"typbasetype", "typinput"},
	"pg_catalog.pg_index": {"indexrelid", "indrelid", "indisprimary", "indisunique", "indisclustered", "indisvalid",
		"indisreplident"},
	"pg_catalog.pg_constraint": {"oid", "conrelid", "conindid", "contype", "condeferrable", "condeferred"},
	"pg_catalog.pg_policy": {"polname", "polpermissive", "polroles", "polqual", "polwithcheck", "polrelid",
		"polcmd"},
	"pg_catalog.pg_roles":                 {"oid", "rolname"},
	"pg_catalog.pg_statistic_ext":         {"oid", "stxrelid", "stxnamespace", "stxname", "stxkind", "stxstattarget"},
	"pg_catalog.pg_publication":           {"oid", "pubname", "puballtables"},
	"pg_catalog.pg_publication_namespace": {"pnpubid", "pnnspid"},
	"pg_catalog.pg_publication_rel":       {"prpubid", "prrelid", "prqual", "prattrs"},
	"pg_catalog.pg_inherits":              {"inhparent", "inhrelid", "inhseqno", "inhdetachpending"},
	"pg_catalog.pg_database": {"datname", "datdba", "encoding", "datcollate", "datctype", "daticulocale",
		"datlocprovider", "datacl"},
	"pg_catalog.pg_proc":        {"oid", "proname", "pronamespace", "prokind"},
	"pg_catalog.pg_settings":    {"name", "context"},
	"pg_catalog.pg_description": {"objoid", "objsubid", "classoid", "description"},
	"pg_catalog.pg_tables":      {"schemaname", "tablename"},
	"information_schema.tables": {"table_schema", "table_name"},
}

func TestClientColumns(t *testing.T) {
	tabs := New()
	for q, names := range clientColumns {
		schema, name := split(q)
		cols, ok := tabs.Lookup(schema, name)
		if !ok {
			t.Errorf("no relation %s", q)
			continue
		}
		for _, n := range names {
			if cols.Index(n) < 0 {
				t.Errorf("%s has no column %s", q, n)
			}
		}
	}
}
