package nexmark

import (
	"github.com/novelty-db/novelty/types"
)

// The columns of each table, in Nexmark's order. A column's position here
// is its field number in the fill functions.
var tableSchemas = [...]types.Schema{
	TablePerson: {
		{Name: "id", Type: types.Int8},
		{Name: "name", Type: types.Varchar},
		{Name: "email_address", Type: types.Varchar},
		{Name: "credit_card", Type: types.Varchar},
		{Name: "city", Type: types.Varchar},
		{Name: "state", Type: types.Varchar},
		{Name: "date_time", Type: types.Timestamp},
		{Name: "extra", Type: types.Varchar},
	},
	TableAuction: {
		{Name: "id", Type: types.Int8},
		{Name: "item_name", Type: types.Varchar},
		{Name: "description", Type: types.Varchar},
		{Name: "initial_bid", Type: types.Int8},
		{Name: "reserve", Type: types.Int8},
		{Name: "date_time", Type: types.Timestamp},
		{Name: "expires", Type: types.Timestamp},
		{Name: "seller", Type: types.Int8},
		{Name: "category", Type: types.Int8},
		{Name: "extra", Type: types.Varchar},
	},
	TableBid: {
		{Name: "auction", Type: types.Int8},
		{Name: "bidder", Type: types.Int8},
		{Name: "price", Type: types.Int8},
		{Name: "channel", Type: types.Varchar},
		{Name: "url", Type: types.Varchar},
		{Name: "date_time", Type: types.Timestamp},
		{Name: "extra", Type: types.Varchar},
	},
}

// Schema returns the columns of a Nexmark table (person, auction or bid),
// all nullable as in Nexmark's DDL. The caller may modify the result.
func Schema(table string) (types.Schema, error) {
	t, err := ParseTable(table)
	if err != nil {
		return nil, err
	}
	return tableSchema(t), nil
}

func tableSchema(t Table) types.Schema {
	out := make(types.Schema, len(tableSchemas[t]))
	for i, c := range tableSchemas[t] {
		out[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: true}
	}
	return out
}

// bindColumns maps each declared column to its field number in table t.
// Declared columns must be table columns, each at most once, of the
// column's type, or for strings and timestamps one of the same family
// (text for varchar, timestamptz for timestamp). Integers must be bigint:
// ids and prices outgrow narrower types.
func bindColumns(t Table, declared types.Schema) ([]int, error) {
	full := tableSchemas[t]
	fields := make([]int, len(declared))
	for i, c := range declared {
		f := full.Index(c.Name)
		if f < 0 {
			return nil, types.Errorf(types.CodeUndefinedColumn,
				"nexmark table %s has no column %q", t, c.Name).
				WithHint("Its columns are %s; omit the column list to get them all.", columnList(full))
		}
		if want := full[f].Type; !compatible(want, c.Type) {
			return nil, types.Errorf(types.CodeDatatypeMismatch,
				"column %q of nexmark table %s is %s, not %s", c.Name, t, want, c.Type)
		}
		for _, prev := range fields[:i] {
			if prev == f {
				return nil, types.Errorf(types.CodeDuplicateColumn, "column %q specified more than once", c.Name)
			}
		}
		fields[i] = f
	}
	return fields, nil
}

func columnList(s types.Schema) string {
	var out []byte
	for i, c := range s {
		if i > 0 {
			out = append(out, ", "...)
		}
		out = append(out, c.Name...)
		out = append(out, ' ')
		out = append(out, c.Type.String()...)
	}
	return string(out)
}

func compatible(want, got types.Type) bool {
	return got == want || got.Family() == want.Family() && want.Family() != types.FamilyInt
}
