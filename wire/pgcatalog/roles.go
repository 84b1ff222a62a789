package pgcatalog

import "github.com/novelty-db/novelty/types"

// The session user is the one role: a superuser owning every object, with
// the bootstrap superuser's OID.

func pgRoles() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_roles", oid: 12003, kind: relkindView,
		columns: types.Schema{
			col("rolname", nameType), col("rolsuper", types.Bool), col("rolinherit", types.Bool),
			col("rolcreaterole", types.Bool), col("rolcreatedb", types.Bool), col("rolcanlogin", types.Bool),
			col("rolreplication", types.Bool), col("rolconnlimit", types.Int4), col("rolpassword", types.Text),
			nullable("rolvaliduntil", types.TimestampTZ), col("rolbypassrls", types.Bool),
			nullable("rolconfig", types.TextArray), col("oid", oidType),
		},
		rows: func(c *catalog) [][]types.Datum {
			return [][]types.Datum{{
				nameDatum(c.snap.User), boolDatum(true), boolDatum(true),
				boolDatum(true), boolDatum(true), boolDatum(true),
				boolDatum(true), int4Datum(-1), textDatum("********"),
				types.Null, boolDatum(true),
				types.Null, oidDatum(ownerOID),
			}}
		}}
}

func pgUser() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_user", oid: 12004, kind: relkindView,
		columns: types.Schema{
			col("usename", nameType), col("usesysid", oidType), col("usecreatedb", types.Bool),
			col("usesuper", types.Bool), col("userepl", types.Bool), col("usebypassrls", types.Bool),
			col("passwd", types.Text), nullable("valuntil", types.TimestampTZ), nullable("useconfig", types.TextArray),
		},
		rows: func(c *catalog) [][]types.Datum {
			return [][]types.Datum{{
				nameDatum(c.snap.User), oidDatum(ownerOID), boolDatum(true),
				boolDatum(true), boolDatum(true), boolDatum(true),
				textDatum("********"), types.Null, types.Null,
			}}
		}}
}
