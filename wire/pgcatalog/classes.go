package pgcatalog

import "github.com/novelty-db/novelty/types"

func pgClass() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_class", oid: 1259, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("relname", nameType), col("relnamespace", oidType), col("reltype", oidType),
			col("reloftype", oidType), col("relowner", oidType), col("relam", oidType), col("relfilenode", oidType),
			col("reltablespace", oidType), col("relpages", types.Int4), col("reltuples", types.Float4),
			col("relallvisible", types.Int4), col("reltoastrelid", oidType), col("relhasindex", types.Bool),
			col("relisshared", types.Bool), col("relpersistence", charType), col("relkind", charType),
			col("relnatts", types.Int2), col("relchecks", types.Int2), col("relhasrules", types.Bool),
			col("relhastriggers", types.Bool), col("relhassubclass", types.Bool), col("relrowsecurity", types.Bool),
			col("relforcerowsecurity", types.Bool), col("relispopulated", types.Bool), col("relreplident", charType),
			col("relispartition", types.Bool), col("relrewrite", oidType), nullable("relacl", aclType),
			nullable("reloptions", types.TextArray), nullable("relpartbound", nodeTreeType),
		},
		rows: func(c *catalog) [][]types.Datum {
			rows := make([][]types.Datum, 0, len(c.rels))
			for i := range c.rels {
				r := &c.rels[i]
				var am uint32
				replident := byte('n')
				if r.kind == relkindTable {
					am, replident = heapAM, 'd'
				}
				rows = append(rows, []types.Datum{
					oidDatum(r.oid), nameDatum(r.name), oidDatum(namespaceOID(r.schema)), oidDatum(0),
					oidDatum(0), oidDatum(ownerOID), oidDatum(am), oidDatum(0),
					oidDatum(0), int4Datum(0), types.NewFloatOf(types.Float4, -1),
					int4Datum(0), oidDatum(0), boolDatum(false),
					boolDatum(false), charDatum('p'), charDatum(r.kind),
					int2Datum(len(r.columns)), int2Datum(0), boolDatum(false),
					boolDatum(false), boolDatum(false), boolDatum(false),
					boolDatum(false), boolDatum(true), charDatum(replident),
					boolDatum(false), oidDatum(0), types.Null,
					types.Null, types.Null,
				})
			}
			return rows
		}}
}

func pgTables() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_tables", oid: 12001, kind: relkindView,
		columns: types.Schema{
			col("schemaname", nameType), col("tablename", nameType), col("tableowner", nameType),
			nullable("tablespace", nameType), col("hasindexes", types.Bool), col("hasrules", types.Bool),
			col("hastriggers", types.Bool), col("rowsecurity", types.Bool),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for i := range c.rels {
				if r := &c.rels[i]; r.kind == relkindTable {
					rows = append(rows, []types.Datum{nameDatum(r.schema), nameDatum(r.name), nameDatum(c.snap.User),
						types.Null, boolDatum(false), boolDatum(false), boolDatum(false), boolDatum(false)})
				}
			}
			return rows
		}}
}

func pgViews() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_views", oid: 12002, kind: relkindView,
		columns: types.Schema{
			col("schemaname", nameType), col("viewname", nameType), col("viewowner", nameType),
			nullable("definition", types.Text),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for i := range c.rels {
				if r := &c.rels[i]; r.kind == relkindView {
					rows = append(rows, []types.Datum{nameDatum(r.schema), nameDatum(r.name), nameDatum(c.snap.User),
						textOrNull(r.query)})
				}
			}
			return rows
		}}
}
