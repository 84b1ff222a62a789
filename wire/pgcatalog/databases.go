package pgcatalog

import (
	"hash/fnv"
	"sort"

	"github.com/novelty-db/novelty/types"
)

// defaultDatabase is the database every Novelty server has, whatever the
// session asked for.
const defaultDatabase = "novelty"

// utf8Encoding is Postgres' encoding number for UTF8.
const utf8Encoding = 6

// databaseOID is a database's OID: derived from its name, so that every
// session shows the same OID for it, in the user object range.
func databaseOID(name string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return userOIDBase + h.Sum32()%(1<<30)
}

func pgDatabase() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_database", oid: 1262, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("datname", nameType), col("datdba", oidType), col("encoding", types.Int4),
			col("datlocprovider", charType), col("datistemplate", types.Bool), col("datallowconn", types.Bool),
			col("datconnlimit", types.Int4), col("dattablespace", oidType), col("datcollate", types.Text),
			col("datctype", types.Text), nullable("daticulocale", types.Text), nullable("datcollversion", types.Text),
			nullable("datacl", aclType),
		},
		rows: func(c *catalog) [][]types.Datum {
			names := []string{defaultDatabase}
			if db := c.database(); db != "" && db != defaultDatabase {
				names = append(names, db)
			}
			sort.Slice(names, func(i, j int) bool { return databaseOID(names[i]) < databaseOID(names[j]) })
			rows := make([][]types.Datum, 0, len(names))
			for _, n := range names {
				rows = append(rows, []types.Datum{
					oidDatum(databaseOID(n)), nameDatum(n), oidDatum(ownerOID), int4Datum(utf8Encoding),
					charDatum('c'), boolDatum(false), boolDatum(true),
					int4Datum(-1), oidDatum(defaultTablespace), textDatum("C.UTF-8"),
					textDatum("C.UTF-8"), types.Null, types.Null,
					types.Null,
				})
			}
			return rows
		}}
}

// defaultTablespace is Postgres' pg_default tablespace.
const defaultTablespace = 1663
