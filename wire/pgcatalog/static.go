package pgcatalog

import "github.com/novelty-db/novelty/types"

// Catalogs whose rows do not depend on the user's objects.

func pgAm() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_am", oid: 2601, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("amname", nameType), col("amhandler", regprocType), col("amtype", charType),
		},
		rows: func(*catalog) [][]types.Datum {
			return [][]types.Datum{
				{oidDatum(heapAM), nameDatum("heap"), types.NewString(regprocType, "heap_tableam_handler"), charDatum('t')},
				{oidDatum(btreeAM), nameDatum("btree"), types.NewString(regprocType, "bthandler"), charDatum('i')},
			}
		}}
}

func pgCollation() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_collation", oid: 3456, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("collname", nameType), col("collnamespace", oidType), col("collowner", oidType),
			col("collprovider", charType), col("collisdeterministic", types.Bool), col("collencoding", types.Int4),
			nullable("collcollate", types.Text), nullable("collctype", types.Text),
			nullable("colliculocale", types.Text), nullable("collversion", types.Text),
		},
		rows: func(*catalog) [][]types.Datum {
			collation := func(oid uint32, name string, provider byte, locale types.Datum) []types.Datum {
				return []types.Datum{
					oidDatum(oid), nameDatum(name), oidDatum(pgCatalogNamespace), oidDatum(ownerOID),
					charDatum(provider), boolDatum(true), int4Datum(-1),
					locale, locale,
					types.Null, types.Null,
				}
			}
			return [][]types.Datum{
				collation(defaultCollation, "default", 'd', types.Null),
				collation(950, "C", 'c', textDatum("C")),
				collation(951, "POSIX", 'c', textDatum("POSIX")),
			}
		}}
}
