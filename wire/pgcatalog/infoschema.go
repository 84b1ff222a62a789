package pgcatalog

import "github.com/novelty-db/novelty/types"

// tableType is information_schema.tables.table_type for a relkind.
func tableType(kind byte) string {
	switch kind {
	case relkindView:
		return "VIEW"
	case relkindForeign:
		return "FOREIGN"
	}
	return "BASE TABLE"
}

func infoTables() *relation {
	return &relation{schema: SchemaInformationSchema, name: "tables", oid: 13003, kind: relkindView,
		columns: types.Schema{
			col("table_catalog", sqlIdentifier), col("table_schema", sqlIdentifier), col("table_name", sqlIdentifier),
			col("table_type", characterData), nullable("self_referencing_column_name", sqlIdentifier),
			nullable("reference_generation", characterData), nullable("user_defined_type_catalog", sqlIdentifier),
			nullable("user_defined_type_schema", sqlIdentifier), nullable("user_defined_type_name", sqlIdentifier),
			col("is_insertable_into", yesOrNo), col("is_typed", yesOrNo), nullable("commit_action", characterData),
		},
		rows: func(c *catalog) [][]types.Datum {
			rels := c.byName()
			rows := make([][]types.Datum, 0, len(rels))
			for _, r := range rels {
				rows = append(rows, []types.Datum{
					idDatum(c.database()), idDatum(r.schema), idDatum(r.name),
					types.NewString(characterData, tableType(r.kind)), types.Null,
					types.Null, types.Null,
					types.Null, types.Null,
					yesNo(r.user && r.kind == relkindTable), yesNo(false), types.Null,
				})
			}
			return rows
		}}
}

// infoViews lists the views: streams, with their query, and the virtual
// views, whose definition is not shown.
func infoViews() *relation {
	return &relation{schema: SchemaInformationSchema, name: "views", oid: 13004, kind: relkindView,
		columns: types.Schema{
			col("table_catalog", sqlIdentifier), col("table_schema", sqlIdentifier), col("table_name", sqlIdentifier),
			nullable("view_definition", characterData), col("check_option", characterData),
			col("is_updatable", yesOrNo), col("is_insertable_into", yesOrNo), col("is_trigger_updatable", yesOrNo),
			col("is_trigger_deletable", yesOrNo), col("is_trigger_insertable_into", yesOrNo),
		},
		rows: func(c *catalog) [][]types.Datum {
			var rows [][]types.Datum
			for _, r := range c.byName() {
				if r.kind != relkindView {
					continue
				}
				definition := types.Null
				if r.query != "" {
					definition = types.NewString(characterData, r.query)
				}
				rows = append(rows, []types.Datum{
					idDatum(c.database()), idDatum(r.schema), idDatum(r.name),
					definition, types.NewString(characterData, "NONE"),
					yesNo(false), yesNo(false), yesNo(false),
					yesNo(false), yesNo(false),
				})
			}
			return rows
		}}
}
