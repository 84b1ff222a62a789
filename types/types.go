// Package types holds Novelty's value representation: SQL types with their
// Postgres OIDs, typed values (Datum), rows, batches and schemas. It imports
// nothing else of ours, so every other package can depend on it.
package types

import "strings"

// Type is a SQL type as users and Postgres clients see it. Each Type has one
// physical representation inside a Datum (see Family) and one Postgres OID.
type Type uint8

// The SQL types Novelty knows. Unknown is the type of an untyped NULL or
// string literal before binding resolves it.
const (
	Unknown Type = iota
	Bool
	Int2
	Int4
	Int8
	Float4
	Float8
	Numeric
	Text
	Varchar
	Bytea
	Date
	Timestamp
	TimestampTZ
	Interval
	JSON
	JSONB
	UUID
	TextArray
	// Int2Vector is int2vector, the catalog's array of column numbers:
	// held in its text form ("1 3"), subscripted from 0.
	Int2Vector
	numTypes
)

// Family groups types that share a physical representation in a Datum and
// compare with each other without a cast.
type Family uint8

// The physical families. The comment says which Datum field holds the value.
const (
	FamilyUnknown   Family = iota // no value (NULL only)
	FamilyBool                    // I: 0 or 1
	FamilyInt                     // I
	FamilyFloat                   // F (Numeric too: see Numeric's note in README)
	FamilyString                  // S (text, varchar, uuid in canonical form)
	FamilyBytes                   // S holds the raw bytes
	FamilyDate                    // I: days since 1970-01-01
	FamilyTimestamp               // I: microseconds since 1970-01-01 00:00:00 UTC
	FamilyInterval                // Months, Days, I: microseconds
	FamilyJSON                    // S: the JSON text, normalised
	FamilyArray                   // S: the Postgres text form of the array
)

type typeInfo struct {
	name   string // the name Postgres prints (format_type)
	oid    uint32
	family Family
	size   int16 // pg_type.typlen: -1 for variable length
}

var typeInfos = [numTypes]typeInfo{
	Unknown:     {"unknown", 705, FamilyUnknown, -2},
	Bool:        {"boolean", 16, FamilyBool, 1},
	Int2:        {"smallint", 21, FamilyInt, 2},
	Int4:        {"integer", 23, FamilyInt, 4},
	Int8:        {"bigint", 20, FamilyInt, 8},
	Float4:      {"real", 700, FamilyFloat, 4},
	Float8:      {"double precision", 701, FamilyFloat, 8},
	Numeric:     {"numeric", 1700, FamilyFloat, -1},
	Text:        {"text", 25, FamilyString, -1},
	Varchar:     {"character varying", 1043, FamilyString, -1},
	Bytea:       {"bytea", 17, FamilyBytes, -1},
	Date:        {"date", 1082, FamilyDate, 4},
	Timestamp:   {"timestamp without time zone", 1114, FamilyTimestamp, 8},
	TimestampTZ: {"timestamp with time zone", 1184, FamilyTimestamp, 8},
	Interval:    {"interval", 1186, FamilyInterval, 16},
	JSON:        {"json", 114, FamilyJSON, -1},
	JSONB:       {"jsonb", 3802, FamilyJSON, -1},
	UUID:        {"uuid", 2950, FamilyString, 16},
	TextArray:   {"text[]", 1009, FamilyArray, -1},
	Int2Vector:  {"int2vector", 22, FamilyArray, -1},
}

// String returns the name Postgres prints for the type, e.g. "bigint".
func (t Type) String() string { return typeInfos[t].name }

// OID is the Postgres type OID sent in RowDescription.
func (t Type) OID() uint32 { return typeInfos[t].oid }

// Family is the physical family of the type.
func (t Type) Family() Family { return typeInfos[t].family }

// Size is pg_type.typlen: the fixed byte size, or -1 for variable length.
func (t Type) Size() int16 { return typeInfos[t].size }

// IsNumeric reports whether arithmetic applies to the type.
func (t Type) IsNumeric() bool { f := t.Family(); return f == FamilyInt || f == FamilyFloat }

// typeNames maps every accepted spelling of a type name (lower case, single
// spaces) to its Type. Serial types map to their integer type; the parser
// records the default separately.
var typeNames = map[string]Type{
	"bool": Bool, "boolean": Bool,
	"int2": Int2, "smallint": Int2, "smallserial": Int2, "serial2": Int2,
	"int": Int4, "int4": Int4, "integer": Int4, "serial": Int4, "serial4": Int4,
	"int8": Int8, "bigint": Int8, "bigserial": Int8, "serial8": Int8,
	"float4": Float4, "real": Float4,
	"float": Float8, "float8": Float8, "double": Float8, "double precision": Float8,
	"numeric": Numeric, "decimal": Numeric,
	"text": Text, "string": Text,
	"varchar": Varchar, "character varying": Varchar, "char": Varchar, "character": Varchar, "bpchar": Varchar,
	"bytea": Bytea, "bytes": Bytea,
	"date":      Date,
	"timestamp": Timestamp, "timestamp without time zone": Timestamp,
	"timestamptz": TimestampTZ, "timestamp with time zone": TimestampTZ,
	"interval": Interval,
	"json":     JSON, "jsonb": JSONB,
	"uuid": UUID,
	// Object identifiers and the reg* aliases are carried as their numeric
	// OID; a name where an OID is expected fails to parse, never misreads.
	"oid": Int8, "regclass": Int8, "regtype": Int8, "regnamespace": Int8, "regproc": Int8,
	"regprocedure": Int8, "regrole": Int8, "regoper": Int8,
	"text[]": TextArray, "_text": TextArray, "varchar[]": TextArray, "character varying[]": TextArray,
	// Arrays of other elements are carried as text[]: the same text form,
	// compared and subscripted as text (catalog queries cast int2[] columns).
	"int2[]": TextArray, "int4[]": TextArray, "int8[]": TextArray, "oid[]": TextArray,
	"_int2": TextArray, "_int4": TextArray, "_int8": TextArray, "_oid": TextArray,
	"int2vector": Int2Vector,
}

// TypeByName resolves a SQL type name as users write it ("BIGINT",
// "double precision", "varchar(20)", "pg_catalog.int4"). Length and
// precision modifiers are accepted and ignored: Novelty does not truncate.
func TypeByName(name string) (Type, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "pg_catalog.")
	if i := strings.IndexByte(n, '('); i >= 0 {
		if j := strings.IndexByte(n[i:], ')'); j >= 0 {
			n = n[:i] + n[i+j+1:]
		}
	}
	n = strings.Join(strings.Fields(n), " ")
	t, ok := typeNames[n]
	return t, ok
}

// TypeByOID returns the type with the given Postgres OID.
func TypeByOID(oid uint32) (Type, bool) {
	for t := Type(1); t < numTypes; t++ {
		if typeInfos[t].oid == oid {
			return t, true
		}
	}
	return Unknown, false
}

// FirstUserOID is where the OIDs of user objects start, as in Postgres
// (FirstNormalObjectId); the catalog's own objects have smaller OIDs.
const FirstUserOID = 16384

// IsSerial reports whether a type name declares an auto-incrementing column.
func IsSerial(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	return strings.Contains(n, "serial")
}
