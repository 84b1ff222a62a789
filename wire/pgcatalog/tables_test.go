package pgcatalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/engine"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// The fixture's user objects: a table with a primary key and defaults, a
// source and a stream.
const (
	clicksOID    = 16385
	perMinuteOID = 16386
	eventsOID    = 16387
)

func fixture() *engine.CatalogSnapshot {
	return &engine.CatalogSnapshot{
		Database: "appdb",
		User:     "alice",
		Settings: map[string]string{"search_path": `"$user", public`, "server_version": "15.0", "timezone": "UTC"},
		Relations: []engine.RelationInfo{
			{OID: eventsOID, Name: "events", Kind: parser.KindTable,
				Columns: types.Schema{
					{Name: "id", Type: types.Int8},
					{Name: "kind", Type: types.Text, Nullable: true},
					{Name: "at", Type: types.TimestampTZ, Nullable: true},
					{Name: "tags", Type: types.TextArray, Nullable: true},
				},
				PrimaryKey: []int{0}, Defaults: []string{"", "'click'", "now()", ""}},
			{OID: clicksOID, Name: "clicks", Kind: parser.KindSource, Connector: "kafka",
				Columns: types.Schema{{Name: "url", Type: types.Varchar, Nullable: true}, {Name: "ts", Type: types.Timestamp, Nullable: true}}},
			{OID: perMinuteOID, Name: "per_minute", Kind: parser.KindStream, Query: "SELECT count(*) AS n FROM clicks",
				Columns:  types.Schema{{Name: "n", Type: types.Int8, Nullable: true}},
				Defaults: []string{""}},
		},
	}
}

// allRelations is every relation New must serve.
var allRelations = []string{
	"pg_catalog.pg_namespace", "pg_catalog.pg_class", "pg_catalog.pg_attribute", "pg_catalog.pg_attrdef",
	"pg_catalog.pg_type", "pg_catalog.pg_database", "pg_catalog.pg_settings", "pg_catalog.pg_roles",
	"pg_catalog.pg_user", "pg_catalog.pg_am", "pg_catalog.pg_collation", "pg_catalog.pg_constraint",
	"pg_catalog.pg_tables", "pg_catalog.pg_views", "pg_catalog.pg_index", "pg_catalog.pg_description",
	"pg_catalog.pg_proc", "pg_catalog.pg_inherits", "pg_catalog.pg_policy", "pg_catalog.pg_statistic_ext",
	"pg_catalog.pg_publication", "pg_catalog.pg_publication_namespace", "pg_catalog.pg_publication_rel",
	"pg_catalog.pg_trigger", "pg_catalog.pg_rewrite", "pg_catalog.pg_extension",
	"pg_catalog.pg_foreign_server", "pg_catalog.pg_foreign_table", "pg_catalog.pg_foreign_data_wrapper",
	"information_schema.tables", "information_schema.columns", "information_schema.schemata",
	"information_schema.views", "information_schema.table_constraints", "information_schema.key_column_usage",
}

func split(qualified string) (schema, name string) {
	schema, name, _ = strings.Cut(qualified, ".")
	return schema, name
}

// table is the rows of one relation with its schema, for lookups by column
// name.
type table struct {
	t      *testing.T
	schema types.Schema
	rows   [][]types.Datum
}

func read(t *testing.T, tabs *Tables, qualified string) table {
	t.Helper()
	schema, name := split(qualified)
	cols, ok := tabs.Lookup(schema, name)
	if !ok {
		t.Fatalf("Lookup(%q, %q) found nothing", schema, name)
	}
	rows, err := tabs.Rows(schema, name, fixture())
	if err != nil {
		t.Fatalf("Rows(%s): %v", qualified, err)
	}
	return table{t: t, schema: cols, rows: rows}
}

// get is the value of column name in row.
func (tb table) get(row []types.Datum, name string) types.Datum {
	tb.t.Helper()
	i := tb.schema.Index(name)
	if i < 0 {
		tb.t.Fatalf("no column %q", name)
	}
	return row[i]
}

// where returns the rows whose column name renders as want.
func (tb table) where(name, want string) [][]types.Datum {
	tb.t.Helper()
	var out [][]types.Datum
	for _, row := range tb.rows {
		if render(tb.get(row, name)) == want {
			out = append(out, row)
		}
	}
	return out
}

// one returns the one row whose column name renders as want.
func (tb table) one(name, want string) []types.Datum {
	tb.t.Helper()
	rows := tb.where(name, want)
	if len(rows) != 1 {
		tb.t.Fatalf("%d rows with %s = %s, want 1", len(rows), name, want)
	}
	return rows[0]
}

// render is a datum's value as a string, NULL as "NULL".
func render(d types.Datum) string {
	if d.IsNull() {
		return "NULL"
	}
	return string(types.AppendText(nil, d, nil))
}

// check compares the named columns of row with their wanted renderings.
func (tb table) check(row []types.Datum, want map[string]string) {
	tb.t.Helper()
	for name, w := range want {
		if got := render(tb.get(row, name)); got != w {
			tb.t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
}

func TestLookupEveryRelation(t *testing.T) {
	tabs := New()
	for _, q := range allRelations {
		schema, name := split(q)
		cols, ok := tabs.Lookup(schema, name)
		if !ok || len(cols) == 0 {
			t.Errorf("Lookup(%q, %q) = %d columns, %v", schema, name, len(cols), ok)
		}
		seen := map[string]bool{}
		for _, c := range cols {
			if seen[c.Name] {
				t.Errorf("%s: column %q twice", q, c.Name)
			}
			seen[c.Name] = true
		}
	}
	if got := len(tabs.Names()); got != len(allRelations) {
		t.Errorf("New serves %d relations, the test knows %d: %v", got, len(allRelations), tabs.Names())
	}
	for _, miss := range [][2]string{{"public", "pg_class"}, {"pg_catalog", "tables"}, {"information_schema", "pg_class"},
		{"pg_catalog", "PG_CLASS"}, {"pg_catalog", "pg_nothing"}} {
		if _, ok := tabs.Lookup(miss[0], miss[1]); ok {
			t.Errorf("Lookup(%q, %q) found a relation", miss[0], miss[1])
		}
	}
}

// TestRowsMatchSchema checks every row of every relation against its
// columns: width, types, and NULL only where nullable.
func TestRowsMatchSchema(t *testing.T) {
	tabs := New()
	for _, q := range tabs.Names() {
		tb := read(t, tabs, q)
		for i, row := range tb.rows {
			if len(row) != len(tb.schema) {
				t.Errorf("%s row %d: %d values for %d columns", q, i, len(row), len(tb.schema))
				continue
			}
			for j, d := range row {
				c := tb.schema[j]
				switch {
				case d.IsNull() && !c.Nullable:
					t.Errorf("%s row %d: NULL in NOT NULL column %s", q, i, c.Name)
				case !d.IsNull() && d.Typ != c.Type:
					t.Errorf("%s row %d: column %s holds a %s, declared %s", q, i, c.Name, d.Typ, c.Type)
				}
			}
		}
	}
}

// TestRowsOrdered checks that catalogs keyed by OID list rows by OID, with
// no OID twice.
func TestRowsOrdered(t *testing.T) {
	tabs := New()
	for _, q := range tabs.Names() {
		tb := read(t, tabs, q)
		if tb.schema.Index("oid") != 0 {
			continue
		}
		for i := 1; i < len(tb.rows); i++ {
			if prev, cur := tb.rows[i-1][0].I, tb.rows[i][0].I; prev >= cur {
				t.Errorf("%s: oid %d before %d", q, prev, cur)
			}
		}
	}
	attrs := read(t, tabs, "pg_catalog.pg_attribute")
	for i := 1; i < len(attrs.rows); i++ {
		a, b := attrs.rows[i-1], attrs.rows[i]
		ra, rb := attrs.get(a, "attrelid").I, attrs.get(b, "attrelid").I
		if ra > rb || ra == rb && attrs.get(a, "attnum").I >= attrs.get(b, "attnum").I {
			t.Errorf("pg_attribute: (%d, %d) before (%d, %d)", ra, attrs.get(a, "attnum").I, rb, attrs.get(b, "attnum").I)
		}
	}
	cols := read(t, tabs, "information_schema.columns")
	key := func(row []types.Datum) string {
		return render(cols.get(row, "table_schema")) + "." + render(cols.get(row, "table_name"))
	}
	for i := 1; i < len(cols.rows); i++ {
		if key(cols.rows[i-1]) > key(cols.rows[i]) {
			t.Errorf("information_schema.columns: %s before %s", key(cols.rows[i-1]), key(cols.rows[i]))
		}
	}
}

func TestVirtualRelationsHaveSystemOIDs(t *testing.T) {
	seen := map[uint32]string{}
	for _, r := range definitions() {
		q := qualified(r.schema, r.name)
		if r.oid == 0 || r.oid >= userOIDBase {
			t.Errorf("%s: OID %d outside the system range", q, r.oid)
		}
		if other, dup := seen[r.oid]; dup {
			t.Errorf("%s and %s share OID %d", q, other, r.oid)
		}
		seen[r.oid] = q
	}
}

func TestRowsErrors(t *testing.T) {
	tabs := New()
	_, err := tabs.Rows("pg_catalog", "pg_nothing", fixture())
	if code := types.CodeOf(err); code != types.CodeUndefinedTable {
		t.Errorf("unknown relation: code %s (%v), want %s", code, err, types.CodeUndefinedTable)
	}
	if _, err := tabs.Rows("pg_catalog", "pg_class", nil); err == nil {
		t.Error("nil snapshot: no error")
	}
	bad := []func(*engine.RelationInfo){
		func(r *engine.RelationInfo) { r.PrimaryKey = []int{9} },
		func(r *engine.RelationInfo) { r.PrimaryKey = []int{-1} },
		func(r *engine.RelationInfo) { r.Defaults = []string{"1"} },
		func(r *engine.RelationInfo) { r.OID = 42 },
	}
	for i, spoil := range bad {
		snap := fixture()
		spoil(&snap.Relations[0])
		if _, err := tabs.Rows("pg_catalog", "pg_attribute", snap); err == nil || !strings.Contains(err.Error(), "events") {
			t.Errorf("bad relation %d: error %v, want one naming the relation", i, err)
		}
	}
}

func TestPgNamespace(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_namespace")
	want := map[string]string{"pg_catalog": "11", "public": "2200", "information_schema": "13000"}
	if len(tb.rows) != len(want) {
		t.Fatalf("%d namespaces, want %d", len(tb.rows), len(want))
	}
	for name, oid := range want {
		tb.check(tb.one("nspname", name), map[string]string{"oid": oid, "nspowner": "10", "nspacl": "NULL"})
	}
}

func TestPgClass(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_class")
	for _, tc := range []struct {
		name string
		want map[string]string
	}{
		{"events", map[string]string{"oid": "16387", "relnamespace": "2200", "relkind": "r", "relnatts": "4",
			"relam": "2", "relowner": "10", "relpersistence": "p", "relreplident": "d", "relhasindex": "f",
			"relchecks": "0", "relispartition": "f", "reltablespace": "0", "reloftype": "0", "relpartbound": "NULL"}},
		{"clicks", map[string]string{"oid": "16385", "relnamespace": "2200", "relkind": "f", "relnatts": "2", "relam": "0"}},
		{"per_minute", map[string]string{"oid": "16386", "relnamespace": "2200", "relkind": "v", "relnatts": "1"}},
		{"pg_class", map[string]string{"oid": "1259", "relnamespace": "11", "relkind": "r"}},
		{"pg_settings", map[string]string{"relnamespace": "11", "relkind": "v"}},
		{"columns", map[string]string{"relnamespace": "13000", "relkind": "v"}},
	} {
		t.Run(tc.name, func(t *testing.T) { tb.check(tb.one("relname", tc.name), tc.want) })
	}
	if n := len(tb.rows); n != len(allRelations)+3 {
		t.Errorf("%d pg_class rows, want %d", n, len(allRelations)+3)
	}
}

// TestForeignTables checks that sources are foreign tables of a server
// named after their connector, without options (they may hold secrets).
func TestForeignTables(t *testing.T) {
	servers := read(t, New(), "pg_catalog.pg_foreign_server")
	servers.check(servers.one("srvname", "kafka"), map[string]string{"oid": "13901", "srvfdw": "13900", "srvoptions": "NULL"})
	tables := read(t, New(), "pg_catalog.pg_foreign_table")
	if len(tables.rows) != 1 {
		t.Fatalf("%d foreign tables, want the one source", len(tables.rows))
	}
	tables.check(tables.one("ftrelid", "16385"), map[string]string{"ftserver": "13901", "ftoptions": "NULL"})
	wrappers := read(t, New(), "pg_catalog.pg_foreign_data_wrapper")
	wrappers.check(wrappers.one("fdwname", "novelty"), map[string]string{"oid": "13900"})
}

func TestPgAttribute(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_attribute")
	events := tb.where("attrelid", "16387")
	want := []map[string]string{
		{"attname": "id", "atttypid": "20", "attnum": "1", "attnotnull": "t", "atthasdef": "f", "attlen": "8", "attcollation": "0"},
		{"attname": "kind", "atttypid": "25", "attnum": "2", "attnotnull": "f", "atthasdef": "t", "attlen": "-1", "attcollation": "100"},
		{"attname": "at", "atttypid": "1184", "attnum": "3", "attnotnull": "f", "atthasdef": "t"},
		{"attname": "tags", "atttypid": "1009", "attnum": "4", "attndims": "1", "atthasdef": "f",
			"attisdropped": "f", "attidentity": "", "attgenerated": "", "atttypmod": "-1"},
	}
	if len(events) != len(want) {
		t.Fatalf("%d attributes of events, want %d", len(events), len(want))
	}
	for i, w := range want {
		tb.check(events[i], w)
	}
	classes := read(t, New(), "pg_catalog.pg_class")
	if got := len(tb.where("attrelid", "1259")); got != len(classes.schema) {
		t.Errorf("pg_class has %d attributes, want %d", got, len(classes.schema))
	}
}

func TestPgAttrdef(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_attrdef")
	if len(tb.rows) != 2 {
		t.Fatalf("%d defaults, want 2", len(tb.rows))
	}
	tb.check(tb.rows[0], map[string]string{"adrelid": "16387", "adnum": "2", "adbin": "'click'"})
	tb.check(tb.rows[1], map[string]string{"adrelid": "16387", "adnum": "3", "adbin": "now()"})
	if tb.rows[0][0].I == tb.rows[1][0].I {
		t.Errorf("two defaults share OID %d", tb.rows[0][0].I)
	}
}

func TestPgConstraint(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_constraint")
	if len(tb.rows) != 1 {
		t.Fatalf("%d constraints, want 1", len(tb.rows))
	}
	tb.check(tb.rows[0], map[string]string{"conname": "events_pkey", "contype": "p", "conrelid": "16387",
		"connamespace": "2200", "conkey": "{1}", "condeferrable": "f", "conindid": "0"})
	kcu := read(t, New(), "information_schema.key_column_usage")
	kcu.check(kcu.one("table_name", "events"), map[string]string{"constraint_name": "events_pkey", "column_name": "id",
		"ordinal_position": "1", "table_schema": "public", "table_catalog": "appdb"})
	tc := read(t, New(), "information_schema.table_constraints")
	tc.check(tc.one("table_name", "events"), map[string]string{"constraint_name": "events_pkey", "constraint_type": "PRIMARY KEY"})
}

func TestConkey(t *testing.T) {
	for _, tc := range []struct {
		pk   []int
		want string
	}{{nil, "{}"}, {[]int{0}, "{1}"}, {[]int{2, 0}, "{3,1}"}} {
		if got := conkey(tc.pk); got != tc.want {
			t.Errorf("conkey(%v) = %q, want %q", tc.pk, got, tc.want)
		}
	}
}

func TestPgType(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_type")
	names := map[types.Type]string{
		types.Unknown: "unknown", types.Bool: "bool", types.Int2: "int2", types.Int4: "int4", types.Int8: "int8",
		types.Float4: "float4", types.Float8: "float8", types.Numeric: "numeric", types.Text: "text",
		types.Varchar: "varchar", types.Bytea: "bytea", types.Date: "date", types.Timestamp: "timestamp",
		types.TimestampTZ: "timestamptz", types.Interval: "interval", types.JSON: "json", types.JSONB: "jsonb",
		types.UUID: "uuid", types.TextArray: "_text",
	}
	if len(tb.rows) != len(names) {
		t.Errorf("%d types, want %d", len(tb.rows), len(names))
	}
	for typ, name := range names {
		row := tb.one("typname", name)
		if got := tb.get(row, "oid").I; got != int64(typ.OID()) {
			t.Errorf("%s: oid %d, want %d", name, got, typ.OID())
		}
		if got := tb.get(row, "typlen").I; got != int64(typ.Size()) {
			t.Errorf("%s: typlen %d, want %d", name, got, typ.Size())
		}
	}
	tb.check(tb.one("typname", "_text"), map[string]string{"typelem": "25", "typinput": "array_in", "typcategory": "A", "typtype": "b"})
	tb.check(tb.one("typname", "text"), map[string]string{"typarray": "1009", "typnamespace": "11", "typcollation": "100"})
	tb.check(tb.one("typname", "int4"), map[string]string{"typinput": "int4in", "typbyval": "t", "typtype": "b", "typcollation": "0"})
	tb.check(tb.one("typname", "unknown"), map[string]string{"typtype": "p", "typlen": "-2"})
}

func TestPgDatabase(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_database")
	if len(tb.rows) != 2 {
		t.Fatalf("%d databases, want 2", len(tb.rows))
	}
	for _, name := range []string{"appdb", "novelty"} {
		tb.check(tb.one("datname", name), map[string]string{"encoding": "6", "datcollate": "C.UTF-8", "datctype": "C.UTF-8",
			"datallowconn": "t", "datistemplate": "f", "datdba": "10", "datacl": "NULL"})
	}
	if a, b := databaseOID("appdb"), databaseOID("appdb"); a != b || a < userOIDBase {
		t.Errorf("databaseOID(appdb) = %d then %d", a, b)
	}

	snap := fixture()
	snap.Database = defaultDatabase
	rows, err := New().Rows("pg_catalog", "pg_database", snap)
	if err != nil || len(rows) != 1 {
		t.Errorf("session on novelty: %d databases (%v), want 1", len(rows), err)
	}
}

func TestPgSettings(t *testing.T) {
	tb := read(t, New(), "pg_catalog.pg_settings")
	if len(tb.rows) != 3 {
		t.Fatalf("%d settings, want 3", len(tb.rows))
	}
	tb.check(tb.rows[0], map[string]string{"name": "search_path", "setting": `"$user", public`, "context": "user", "vartype": "string"})
	tb.check(tb.rows[1], map[string]string{"name": "server_version", "setting": "15.0", "context": "internal"})
	tb.check(tb.rows[2], map[string]string{"name": "timezone", "setting": "UTC", "context": "user"})
}

func TestRoles(t *testing.T) {
	roles := read(t, New(), "pg_catalog.pg_roles")
	roles.check(roles.one("rolname", "alice"), map[string]string{"oid": "10", "rolsuper": "t", "rolcanlogin": "t"})
	users := read(t, New(), "pg_catalog.pg_user")
	users.check(users.one("usename", "alice"), map[string]string{"usesysid": "10", "usesuper": "t"})
}

func TestPgTablesAndViews(t *testing.T) {
	tables := read(t, New(), "pg_catalog.pg_tables")
	tables.check(tables.one("tablename", "events"), map[string]string{"schemaname": "public", "tableowner": "alice"})
	if rows := tables.where("tablename", "clicks"); len(rows) != 0 {
		t.Error("pg_tables lists the source")
	}
	views := read(t, New(), "pg_catalog.pg_views")
	views.check(views.one("viewname", "per_minute"), map[string]string{"schemaname": "public",
		"definition": "SELECT count(*) AS n FROM clicks"})
}

func TestInformationSchemaTables(t *testing.T) {
	tb := read(t, New(), "information_schema.tables")
	for name, want := range map[string]map[string]string{
		"events":     {"table_type": "BASE TABLE", "table_schema": "public", "table_catalog": "appdb", "is_insertable_into": "YES"},
		"clicks":     {"table_type": "FOREIGN", "is_insertable_into": "NO"},
		"per_minute": {"table_type": "VIEW", "is_insertable_into": "NO"},
		"pg_class":   {"table_type": "BASE TABLE", "table_schema": "pg_catalog"},
		"schemata":   {"table_type": "VIEW", "table_schema": "information_schema"},
	} {
		tb.check(tb.one("table_name", name), want)
	}
	if got := len(tb.where("table_schema", "public")); got != 3 {
		t.Errorf("%d public tables, want 3", got)
	}
}

func TestInformationSchemaColumns(t *testing.T) {
	tb := read(t, New(), "information_schema.columns")
	events := tb.where("table_name", "events")
	want := []map[string]string{
		{"column_name": "id", "ordinal_position": "1", "is_nullable": "NO", "data_type": "bigint", "udt_name": "int8",
			"column_default": "NULL", "numeric_precision": "64", "numeric_precision_radix": "2", "numeric_scale": "0",
			"udt_schema": "pg_catalog", "is_updatable": "YES", "is_identity": "NO", "is_generated": "NEVER", "dtd_identifier": "1"},
		{"column_name": "kind", "ordinal_position": "2", "is_nullable": "YES", "data_type": "text", "udt_name": "text",
			"column_default": "'click'", "character_maximum_length": "NULL", "character_octet_length": "1073741824",
			"numeric_precision": "NULL"},
		{"column_name": "at", "is_nullable": "YES", "data_type": "timestamp with time zone", "udt_name": "timestamptz",
			"column_default": "now()", "datetime_precision": "6"},
		{"column_name": "tags", "data_type": "ARRAY", "udt_name": "_text"},
	}
	if len(events) != len(want) {
		t.Fatalf("%d columns of events, want %d", len(events), len(want))
	}
	for i, w := range want {
		tb.check(events[i], w)
	}
	url := tb.where("column_name", "url")
	if len(url) != 1 {
		t.Fatalf("%d url columns, want 1", len(url))
	}
	tb.check(url[0], map[string]string{"data_type": "character varying", "udt_name": "varchar", "is_updatable": "NO"})
}

func TestInformationSchemaViewsAndSchemata(t *testing.T) {
	views := read(t, New(), "information_schema.views")
	views.check(views.one("table_name", "per_minute"), map[string]string{"table_schema": "public",
		"view_definition": "SELECT count(*) AS n FROM clicks", "check_option": "NONE", "is_updatable": "NO"})
	views.check(views.one("table_name", "pg_settings"), map[string]string{"view_definition": "NULL"})

	schemata := read(t, New(), "information_schema.schemata")
	if len(schemata.rows) != 3 {
		t.Fatalf("%d schemata, want 3", len(schemata.rows))
	}
	schemata.check(schemata.one("schema_name", "public"), map[string]string{"catalog_name": "appdb", "schema_owner": "alice"})
}

func TestEmptyCatalogs(t *testing.T) {
	tabs := New()
	for _, q := range []string{"pg_catalog.pg_index", "pg_catalog.pg_description", "pg_catalog.pg_proc",
		"pg_catalog.pg_inherits", "pg_catalog.pg_policy", "pg_catalog.pg_statistic_ext", "pg_catalog.pg_publication",
		"pg_catalog.pg_trigger", "pg_catalog.pg_rewrite"} {
		if tb := read(t, tabs, q); len(tb.rows) != 0 {
			t.Errorf("%s: %d rows, want none", q, len(tb.rows))
		}
	}
	am := read(t, tabs, "pg_catalog.pg_am")
	am.check(am.one("amname", "heap"), map[string]string{"oid": "2", "amtype": "t"})
}

func TestRowsAreFresh(t *testing.T) {
	tabs := New()
	first, err := tabs.Rows("pg_catalog", "pg_class", fixture())
	if err != nil {
		t.Fatal(err)
	}
	first[0][1] = types.NewText("scribbled")
	second, err := tabs.Rows("pg_catalog", "pg_class", fixture())
	if err != nil {
		t.Fatal(err)
	}
	if render(second[0][1]) == "scribbled" {
		t.Error("a caller's change to Rows' result shows in the next call")
	}
	var e *types.Error
	if _, err := tabs.Rows("information_schema", "nope", fixture()); !errors.As(err, &e) {
		t.Errorf("unknown relation: %v is not a *types.Error", err)
	}
}
