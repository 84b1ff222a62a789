package pgcatalog

import "github.com/novelty-db/novelty/types"

// Postgres catalog column types that Novelty has no type for yet, mapped to
// the closest types.Type. Clients see the mapped type's OID in
// RowDescription instead of Postgres' (in parentheses).
const (
	oidType      = types.Int8      // oid (26)
	regprocType  = types.Text      // regproc (24): the function's name, as regproc prints it
	nameType     = types.Text      // name (19)
	charType     = types.Text      // "char" (18)
	aclType      = types.TextArray // aclitem[] (1034)
	nodeTreeType = types.Text      // pg_node_tree (194)
	vectorType   = types.Text      // oidvector (30)
	int2ArrType  = types.TextArray // int2[] (1005)
	oidArrType   = types.TextArray // oid[] (1028)
	charArrType  = types.TextArray // "char"[] (1002)
)

// information_schema's domains, mapped to the closest types.Type.
const (
	sqlIdentifier  = types.Text // sql_identifier, a domain over name
	characterData  = types.Text // character_data, a domain over varchar
	cardinalNumber = types.Int4 // cardinal_number, a domain over int4
	yesOrNo        = types.Text // yes_or_no, a domain over varchar(3)
)

// col is a NOT NULL column, as most catalog columns are.
func col(name string, t types.Type) types.Column { return types.Column{Name: name, Type: t} }

// nullable is a column that may hold NULL.
func nullable(name string, t types.Type) types.Column {
	return types.Column{Name: name, Type: t, Nullable: true}
}

func oidDatum(v uint32) types.Datum  { return types.NewIntOf(oidType, int64(v)) }
func nameDatum(s string) types.Datum { return types.NewString(nameType, s) }

// charDatum is a "char" value; 0 stands for Postgres' empty "char" (”).
func charDatum(c byte) types.Datum {
	if c == 0 {
		return types.NewString(charType, "")
	}
	return types.NewString(charType, string(rune(c)))
}

func int2Datum(v int) types.Datum    { return types.NewIntOf(types.Int2, int64(v)) }
func int4Datum(v int) types.Datum    { return types.NewIntOf(types.Int4, int64(v)) }
func textDatum(s string) types.Datum { return types.NewText(s) }
func boolDatum(b bool) types.Datum   { return types.NewBool(b) }

// yesNo is an information_schema yes_or_no value.
func yesNo(b bool) types.Datum {
	if b {
		return types.NewString(yesOrNo, "YES")
	}
	return types.NewString(yesOrNo, "NO")
}

// textOrNull is s as text, or NULL when s is empty.
func textOrNull(s string) types.Datum {
	if s == "" {
		return types.Null
	}
	return types.NewText(s)
}

// idDatum is an information_schema sql_identifier value.
func idDatum(s string) types.Datum { return types.NewString(sqlIdentifier, s) }
