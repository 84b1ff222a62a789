package pgcatalog

import (
	"strconv"
	"strings"

	"github.com/novelty-db/novelty/types"
)

// Objects that belong to a relation (its primary key constraint, its column
// defaults) take OIDs derived from the relation's, in ranges relation OIDs
// do not reach, so they are unique and stable across snapshots.

// constraintOID is the OID of relation rel's primary key constraint.
func constraintOID(rel uint32) uint32 { return 1<<30 | rel }

// attrdefOID is the OID of the default of column attnum of user relation
// rel. Postgres allows 1600 columns, so attnum fits in 11 bits; the
// relation's place in the user range takes the next 20.
func attrdefOID(rel uint32, attnum int) uint32 {
	return 1<<31 | (rel-userOIDBase)<<11 | uint32(attnum)
}

// pkeyName is the name Postgres gives a table's primary key constraint.
func pkeyName(table string) string { return table + "_pkey" }

// conkey is the text form of the int2[] of primary key column numbers.
func conkey(pk []int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range pk {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(k + 1))
	}
	b.WriteByte('}')
	return b.String()
}

func pgConstraint() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_constraint", oid: 2606, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("conname", nameType), col("connamespace", oidType), col("contype", charType),
			col("condeferrable", types.Bool), col("condeferred", types.Bool), col("convalidated", types.Bool),
			col("conrelid", oidType), col("contypid", oidType), col("conindid", oidType), col("conparentid", oidType),
			col("confrelid", oidType), col("confupdtype", charType), col("confdeltype", charType),
			col("confmatchtype", charType), col("conislocal", types.Bool), col("coninhcount", types.Int4),
			col("connoinherit", types.Bool), nullable("conkey", int2ArrType), nullable("confkey", int2ArrType),
			nullable("conbin", nodeTreeType),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for i := range c.rels {
				r := &c.rels[i]
				if len(r.primaryKey) == 0 {
					continue
				}
				rows = append(rows, []types.Datum{
					oidDatum(constraintOID(r.oid)), nameDatum(pkeyName(r.name)), oidDatum(namespaceOID(r.schema)), charDatum('p'),
					boolDatum(false), boolDatum(false), boolDatum(true),
					oidDatum(r.oid), oidDatum(0), oidDatum(0), oidDatum(0),
					oidDatum(0), charDatum(' '), charDatum(' '),
					charDatum(' '), boolDatum(true), int4Datum(0),
					boolDatum(true), types.NewString(int2ArrType, conkey(r.primaryKey)), types.Null,
					types.Null,
				})
			}
			return rows
		}}
}

func infoTableConstraints() *relation {
	return &relation{schema: SchemaInformationSchema, name: "table_constraints", oid: 13005, kind: relkindView,
		columns: types.Schema{
			col("constraint_catalog", sqlIdentifier), col("constraint_schema", sqlIdentifier),
			col("constraint_name", sqlIdentifier), col("table_catalog", sqlIdentifier), col("table_schema", sqlIdentifier),
			col("table_name", sqlIdentifier), col("constraint_type", characterData), col("is_deferrable", yesOrNo),
			col("initially_deferred", yesOrNo), col("enforced", yesOrNo), nullable("nulls_distinct", yesOrNo),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for _, r := range c.byName() {
				if len(r.primaryKey) == 0 {
					continue
				}
				db := idDatum(c.database())
				rows = append(rows, []types.Datum{
					db, idDatum(r.schema),
					idDatum(pkeyName(r.name)), db, idDatum(r.schema),
					idDatum(r.name), types.NewString(characterData, "PRIMARY KEY"), yesNo(false),
					yesNo(false), yesNo(true), types.Null,
				})
			}
			return rows
		}}
}

func infoKeyColumnUsage() *relation {
	return &relation{schema: SchemaInformationSchema, name: "key_column_usage", oid: 13006, kind: relkindView,
		columns: types.Schema{
			col("constraint_catalog", sqlIdentifier), col("constraint_schema", sqlIdentifier),
			col("constraint_name", sqlIdentifier), col("table_catalog", sqlIdentifier), col("table_schema", sqlIdentifier),
			col("table_name", sqlIdentifier), col("column_name", sqlIdentifier), col("ordinal_position", cardinalNumber),
			nullable("position_in_unique_constraint", cardinalNumber),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for _, r := range c.byName() {
				db := idDatum(c.database())
				for pos, k := range r.primaryKey {
					rows = append(rows, []types.Datum{
						db, idDatum(r.schema),
						idDatum(pkeyName(r.name)), db, idDatum(r.schema),
						idDatum(r.name), idDatum(r.columns[k].Name), types.NewIntOf(cardinalNumber, int64(pos+1)),
						types.Null,
					})
				}
			}
			return rows
		}}
}
