package pgcatalog

import (
	"strconv"

	"github.com/novelty-db/novelty/types"
)

// unlimitedOctetLength is information_schema.columns.character_octet_length
// of a string type without a length limit, as Postgres reports it.
const unlimitedOctetLength = 1073741824

func pgAttribute() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_attribute", oid: 1249, kind: relkindTable,
		columns: types.Schema{
			col("attrelid", oidType), col("attname", nameType), col("atttypid", oidType),
			col("attstattarget", types.Int4), col("attlen", types.Int2), col("attnum", types.Int2),
			col("attndims", types.Int4), col("atttypmod", types.Int4), col("attbyval", types.Bool),
			col("attnotnull", types.Bool), col("atthasdef", types.Bool), col("atthasmissing", types.Bool),
			col("attidentity", charType), col("attgenerated", charType), col("attisdropped", types.Bool),
			col("attislocal", types.Bool), col("attinhcount", types.Int4), col("attcollation", oidType),
			nullable("attacl", aclType), nullable("attoptions", types.TextArray),
			nullable("attfdwoptions", types.TextArray),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for i := range c.rels {
				r := &c.rels[i]
				for j, column := range r.columns {
					t := column.Type
					ndims := 0
					if t == types.TextArray {
						ndims = 1
					}
					rows = append(rows, []types.Datum{
						oidDatum(r.oid), nameDatum(column.Name), oidDatum(t.OID()),
						int4Datum(-1), int2Datum(int(t.Size())), int2Datum(j + 1),
						int4Datum(ndims), int4Datum(-1), boolDatum(typeInfo(t).byval),
						boolDatum(r.notNull(j)), boolDatum(r.hasDefault(j)), boolDatum(false),
						charDatum(0), charDatum(0), boolDatum(false),
						boolDatum(true), int4Datum(0), oidDatum(collationOf(t)),
						types.Null, types.Null, types.Null,
					})
				}
			}
			return rows
		}}
}

// pgAttrdef holds column defaults. adbin holds the default's SQL text where
// Postgres holds a node tree: pg_get_expr(adbin, adrelid) returns it as is.
func pgAttrdef() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_attrdef", oid: 2604, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("adrelid", oidType), col("adnum", types.Int2), col("adbin", nodeTreeType),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for i := range c.rels {
				r := &c.rels[i]
				for j := range r.columns {
					if r.hasDefault(j) {
						rows = append(rows, []types.Datum{oidDatum(attrdefOID(r.oid, j+1)), oidDatum(r.oid), int2Datum(j + 1),
							types.NewString(nodeTreeType, r.defaults[j])})
					}
				}
			}
			return rows
		}}
}

func infoColumns() *relation {
	return &relation{schema: SchemaInformationSchema, name: "columns", oid: 13002, kind: relkindView,
		columns: types.Schema{
			col("table_catalog", sqlIdentifier), col("table_schema", sqlIdentifier), col("table_name", sqlIdentifier),
			col("column_name", sqlIdentifier), col("ordinal_position", cardinalNumber),
			nullable("column_default", characterData), col("is_nullable", yesOrNo), col("data_type", characterData),
			nullable("character_maximum_length", cardinalNumber), nullable("character_octet_length", cardinalNumber),
			nullable("numeric_precision", cardinalNumber), nullable("numeric_precision_radix", cardinalNumber),
			nullable("numeric_scale", cardinalNumber), nullable("datetime_precision", cardinalNumber),
			nullable("interval_type", characterData), nullable("interval_precision", cardinalNumber),
			nullable("character_set_catalog", sqlIdentifier), nullable("character_set_schema", sqlIdentifier),
			nullable("character_set_name", sqlIdentifier), nullable("collation_catalog", sqlIdentifier),
			nullable("collation_schema", sqlIdentifier), nullable("collation_name", sqlIdentifier),
			nullable("domain_catalog", sqlIdentifier), nullable("domain_schema", sqlIdentifier),
			nullable("domain_name", sqlIdentifier), col("udt_catalog", sqlIdentifier), col("udt_schema", sqlIdentifier),
			col("udt_name", sqlIdentifier), nullable("scope_catalog", sqlIdentifier),
			nullable("scope_schema", sqlIdentifier), nullable("scope_name", sqlIdentifier),
			nullable("maximum_cardinality", cardinalNumber), col("dtd_identifier", sqlIdentifier),
			col("is_self_referencing", yesOrNo), col("is_identity", yesOrNo), nullable("identity_generation", characterData),
			nullable("identity_start", characterData), nullable("identity_increment", characterData),
			nullable("identity_maximum", characterData), nullable("identity_minimum", characterData),
			col("identity_cycle", yesOrNo), col("is_generated", characterData),
			nullable("generation_expression", characterData), col("is_updatable", yesOrNo),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for _, r := range c.byName() {
				for j, column := range r.columns {
					rows = append(rows, columnRow(c, r, j, column))
				}
			}
			return rows
		}}
}

// columnRow is column j of r as information_schema.columns shows it.
func columnRow(c *catalog, r *relEntry, j int, column types.Column) []types.Datum {
	t, info := column.Type, typeInfo(column.Type)
	dataType := t.String()
	if t == types.TextArray {
		dataType = "ARRAY"
	}
	octets, precision, radix, scale, datetime := types.Null, types.Null, types.Null, types.Null, types.Null
	if t == types.Text || t == types.Varchar {
		octets = types.NewIntOf(cardinalNumber, unlimitedOctetLength)
	}
	if info.precision > 0 {
		precision = types.NewIntOf(cardinalNumber, int64(info.precision))
	}
	if info.radix > 0 {
		radix = types.NewIntOf(cardinalNumber, int64(info.radix))
	}
	if t.Family() == types.FamilyInt {
		scale = types.NewIntOf(cardinalNumber, 0)
	}
	if info.datetimePrecision >= 0 {
		datetime = types.NewIntOf(cardinalNumber, int64(info.datetimePrecision))
	}
	columnDefault := types.Null
	if r.hasDefault(j) {
		columnDefault = types.NewString(characterData, r.defaults[j])
	}
	db := idDatum(c.database())
	return []types.Datum{
		db, idDatum(r.schema), idDatum(r.name), idDatum(column.Name), // table_catalog .. column_name
		types.NewIntOf(cardinalNumber, int64(j+1)), columnDefault, yesNo(!r.notNull(j)), // ordinal_position .. is_nullable
		types.NewString(characterData, dataType), types.Null, octets, // data_type .. character_octet_length
		precision, radix, scale, datetime, // numeric_precision .. datetime_precision
		types.Null, types.Null, // interval_type, interval_precision
		types.Null, types.Null, types.Null, // character_set_*
		types.Null, types.Null, types.Null, // collation_*
		types.Null, types.Null, types.Null, // domain_*
		db, idDatum(SchemaPgCatalog), idDatum(info.typname), // udt_*
		types.Null, types.Null, types.Null, // scope_*
		types.Null, idDatum(strconv.Itoa(j + 1)), yesNo(false), // maximum_cardinality .. is_self_referencing
		yesNo(false), types.Null, // is_identity, identity_generation
		types.Null, types.Null, types.Null, types.Null, yesNo(false), // identity_start .. identity_cycle
		types.NewString(characterData, "NEVER"), types.Null, // is_generated, generation_expression
		yesNo(r.user && r.kind == relkindTable), // is_updatable
	}
}
