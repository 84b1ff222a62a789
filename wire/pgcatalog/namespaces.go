package pgcatalog

import "github.com/novelty-db/novelty/types"

func pgNamespace() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_namespace", oid: 2615, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("nspname", nameType), col("nspowner", oidType), nullable("nspacl", aclType),
		},
		rows: func(c *catalog) [][]types.Datum {
			rows := make([][]types.Datum, 0, len(namespaces))
			for _, n := range namespaces {
				rows = append(rows, []types.Datum{oidDatum(n.oid), nameDatum(n.name), oidDatum(ownerOID), types.Null})
			}
			return rows
		}}
}

func infoSchemata() *relation {
	return &relation{schema: SchemaInformationSchema, name: "schemata", oid: 13001, kind: relkindView,
		columns: types.Schema{
			col("catalog_name", sqlIdentifier), col("schema_name", sqlIdentifier), col("schema_owner", sqlIdentifier),
			nullable("default_character_set_catalog", sqlIdentifier), nullable("default_character_set_schema", sqlIdentifier),
			nullable("default_character_set_name", sqlIdentifier), nullable("sql_path", characterData),
		},
		rows: func(c *catalog) [][]types.Datum {
			rows := make([][]types.Datum, 0, len(namespaces))
			for _, n := range namespaces {
				rows = append(rows, []types.Datum{idDatum(c.database()), idDatum(n.name), idDatum(c.snap.User),
					types.Null, types.Null, types.Null, types.Null})
			}
			return rows
		}}
}
