package pgcatalog

import (
	"slices"

	"github.com/novelty-db/novelty/types"
)

// Sources are foreign tables to Postgres clients (relkind 'f'): each
// connector in use is a foreign server of the one wrapper "novelty", so
// psql's \d <source> prints the connector as the table's server. Options are
// not listed: they may hold credentials.

// OIDs of the wrapper and the servers, below the user range.
const (
	noveltyFDWOID  = 13900
	firstServerOID = 13901
	noveltyFDWName = "novelty"
)

// servers lists the connectors of the catalog's sources, sorted; a
// connector's server OID is firstServerOID plus its index.
func (c *catalog) servers() []string {
	var names []string
	for i := range c.rels {
		if n := c.rels[i].connector; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func pgForeignDataWrapper() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_foreign_data_wrapper", oid: 2328, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("fdwname", nameType), col("fdwowner", oidType), col("fdwhandler", oidType),
			col("fdwvalidator", oidType), nullable("fdwacl", aclType), nullable("fdwoptions", types.TextArray),
		},
		rows: func(*catalog) [][]types.Datum {
			return [][]types.Datum{{oidDatum(noveltyFDWOID), nameDatum(noveltyFDWName), oidDatum(ownerOID),
				oidDatum(0), oidDatum(0), types.Null, types.Null}}
		}}
}

func pgForeignServer() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_foreign_server", oid: 1417, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("srvname", nameType), col("srvowner", oidType), col("srvfdw", oidType),
			nullable("srvtype", types.Text), nullable("srvversion", types.Text), nullable("srvacl", aclType),
			nullable("srvoptions", types.TextArray),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for i, name := range c.servers() {
				rows = append(rows, []types.Datum{oidDatum(uint32(firstServerOID + i)), nameDatum(name),
					oidDatum(ownerOID), oidDatum(noveltyFDWOID), types.Null, types.Null, types.Null, types.Null})
			}
			return rows
		}}
}

func pgForeignTable() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_foreign_table", oid: 3118, kind: relkindTable,
		columns: types.Schema{
			col("ftrelid", oidType), col("ftserver", oidType), nullable("ftoptions", types.TextArray),
		},
		rows: func(c *catalog) [][]types.Datum {
			servers := c.servers()
			var rows [][]types.Datum
			for i := range c.rels {
				r := &c.rels[i]
				if r.connector == "" {
					continue
				}
				server := firstServerOID + slices.Index(servers, r.connector)
				rows = append(rows, []types.Datum{oidDatum(r.oid), oidDatum(uint32(server)), types.Null})
			}
			return rows
		}}
}
