package pgcatalog

import "github.com/novelty-db/novelty/types"

// pgTypeInfo is what pg_type and information_schema.columns say of a type
// beyond what types.Type knows.
type pgTypeInfo struct {
	typ types.Type
	// typname is Postgres' internal name (udt_name), e.g. "int4".
	typname string
	// typtype is 'b' base or 'p' pseudo-type.
	typtype   byte
	category  byte
	preferred bool
	byval     bool
	// elem is an array type's element type; array is the type's array type
	// when Novelty has it.
	elem, array uint32
	// The I/O functions, named as regproc prints them.
	input, output, receive, send string
	// Precision for information_schema.columns: numeric_precision with its
	// radix (0 none), datetime_precision (-1 none).
	precision, radix, datetimePrecision int
}

// pgTypes lists every types.Type, by OID.
var pgTypes = []pgTypeInfo{
	{typ: types.Bool, typname: "bool", typtype: 'b', category: 'B', preferred: true, byval: true,
		input: "boolin", output: "boolout", receive: "boolrecv", send: "boolsend", datetimePrecision: -1},
	{typ: types.Bytea, typname: "bytea", typtype: 'b', category: 'U',
		input: "byteain", output: "byteaout", receive: "bytearecv", send: "byteasend", datetimePrecision: -1},
	{typ: types.Int8, typname: "int8", typtype: 'b', category: 'N', byval: true,
		input: "int8in", output: "int8out", receive: "int8recv", send: "int8send", precision: 64, radix: 2, datetimePrecision: -1},
	{typ: types.Int2, typname: "int2", typtype: 'b', category: 'N', byval: true,
		input: "int2in", output: "int2out", receive: "int2recv", send: "int2send", precision: 16, radix: 2, datetimePrecision: -1},
	{typ: types.Int4, typname: "int4", typtype: 'b', category: 'N', byval: true,
		input: "int4in", output: "int4out", receive: "int4recv", send: "int4send", precision: 32, radix: 2, datetimePrecision: -1},
	{typ: types.Text, typname: "text", typtype: 'b', category: 'S', preferred: true, array: 1009,
		input: "textin", output: "textout", receive: "textrecv", send: "textsend", datetimePrecision: -1},
	{typ: types.JSON, typname: "json", typtype: 'b', category: 'U',
		input: "json_in", output: "json_out", receive: "json_recv", send: "json_send", datetimePrecision: -1},
	{typ: types.Float4, typname: "float4", typtype: 'b', category: 'N', byval: true,
		input: "float4in", output: "float4out", receive: "float4recv", send: "float4send", precision: 24, radix: 2, datetimePrecision: -1},
	{typ: types.Float8, typname: "float8", typtype: 'b', category: 'N', preferred: true, byval: true,
		input: "float8in", output: "float8out", receive: "float8recv", send: "float8send", precision: 53, radix: 2, datetimePrecision: -1},
	{typ: types.Unknown, typname: "unknown", typtype: 'p', category: 'X',
		input: "unknownin", output: "unknownout", receive: "unknownrecv", send: "unknownsend", datetimePrecision: -1},
	{typ: types.TextArray, typname: "_text", typtype: 'b', category: 'A', elem: 25,
		input: "array_in", output: "array_out", receive: "array_recv", send: "array_send", datetimePrecision: -1},
	{typ: types.Varchar, typname: "varchar", typtype: 'b', category: 'S',
		input: "varcharin", output: "varcharout", receive: "varcharrecv", send: "varcharsend", datetimePrecision: -1},
	{typ: types.Date, typname: "date", typtype: 'b', category: 'D', byval: true,
		input: "date_in", output: "date_out", receive: "date_recv", send: "date_send", datetimePrecision: 0},
	{typ: types.Timestamp, typname: "timestamp", typtype: 'b', category: 'D', byval: true,
		input: "timestamp_in", output: "timestamp_out", receive: "timestamp_recv", send: "timestamp_send", datetimePrecision: 6},
	{typ: types.TimestampTZ, typname: "timestamptz", typtype: 'b', category: 'D', preferred: true, byval: true,
		input: "timestamptz_in", output: "timestamptz_out", receive: "timestamptz_recv", send: "timestamptz_send", datetimePrecision: 6},
	{typ: types.Interval, typname: "interval", typtype: 'b', category: 'T', preferred: true,
		input: "interval_in", output: "interval_out", receive: "interval_recv", send: "interval_send", datetimePrecision: 6},
	{typ: types.Numeric, typname: "numeric", typtype: 'b', category: 'N', radix: 10,
		input: "numeric_in", output: "numeric_out", receive: "numeric_recv", send: "numeric_send", datetimePrecision: -1},
	{typ: types.UUID, typname: "uuid", typtype: 'b', category: 'U',
		input: "uuid_in", output: "uuid_out", receive: "uuid_recv", send: "uuid_send", datetimePrecision: -1},
	{typ: types.JSONB, typname: "jsonb", typtype: 'b', category: 'U',
		input: "jsonb_in", output: "jsonb_out", receive: "jsonb_recv", send: "jsonb_send", datetimePrecision: -1},
}

// typeInfo returns what pg_type says of t; a type missing from pgTypes is
// described as the pseudo-type unknown.
func typeInfo(t types.Type) *pgTypeInfo {
	var unknown *pgTypeInfo
	for i := range pgTypes {
		switch pgTypes[i].typ {
		case t:
			return &pgTypes[i]
		case types.Unknown:
			unknown = &pgTypes[i]
		}
	}
	return unknown
}

// collationOf is the collation of values of type t: the default one for
// collatable (string) types, none (0) otherwise.
func collationOf(t types.Type) uint32 {
	if t == types.Text || t == types.Varchar || t == types.TextArray {
		return defaultCollation
	}
	return 0
}

func pgType() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_type", oid: 1247, kind: relkindTable,
		columns: types.Schema{
			col("oid", oidType), col("typname", nameType), col("typnamespace", oidType), col("typowner", oidType),
			col("typlen", types.Int2), col("typbyval", types.Bool), col("typtype", charType),
			col("typcategory", charType), col("typispreferred", types.Bool), col("typisdefined", types.Bool),
			col("typdelim", charType), col("typrelid", oidType), col("typelem", oidType), col("typarray", oidType),
			col("typinput", regprocType), col("typoutput", regprocType), col("typreceive", regprocType),
			col("typsend", regprocType), col("typnotnull", types.Bool), col("typbasetype", oidType),
			col("typtypmod", types.Int4), col("typndims", types.Int4), col("typcollation", oidType),
			nullable("typdefault", types.Text),
		},
		rows: func(*catalog) [][]types.Datum {
			rows := make([][]types.Datum, 0, len(pgTypes))
			for i := range pgTypes {
				p := &pgTypes[i]
				rows = append(rows, []types.Datum{
					oidDatum(p.typ.OID()), nameDatum(p.typname), oidDatum(pgCatalogNamespace), oidDatum(ownerOID),
					int2Datum(int(p.typ.Size())), boolDatum(p.byval), charDatum(p.typtype),
					charDatum(p.category), boolDatum(p.preferred), boolDatum(true),
					charDatum(','), oidDatum(0), oidDatum(p.elem), oidDatum(p.array),
					types.NewString(regprocType, p.input), types.NewString(regprocType, p.output),
					types.NewString(regprocType, p.receive),
					types.NewString(regprocType, p.send), boolDatum(false), oidDatum(0),
					int4Datum(-1), int4Datum(0), oidDatum(collationOf(p.typ)),
					types.Null,
				})
			}
			return rows
		}}
}
