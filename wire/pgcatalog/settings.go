package pgcatalog

import (
	"sort"

	"github.com/novelty-db/novelty/types"
)

// settingInfo is what pg_settings says of a setting beyond its value.
type settingInfo struct {
	// context is "internal" for settings fixed at build time, "user" for
	// settings a session may SET.
	context string
	// vartype is bool, integer, real, string or enum.
	vartype string
}

// knownSettings describes the settings whose context or type is not the
// default user-settable string.
var knownSettings = map[string]settingInfo{
	"server_version":                {"internal", "string"},
	"server_encoding":               {"internal", "string"},
	"integer_datetimes":             {"internal", "bool"},
	"extra_float_digits":            {"user", "integer"},
	"standard_conforming_strings":   {"user", "bool"},
	"transaction_read_only":         {"user", "bool"},
	"intervalstyle":                 {"user", "enum"},
	"default_transaction_isolation": {"user", "enum"},
	"transaction_isolation":         {"user", "enum"},
}

func describeSetting(name string) settingInfo {
	if s, ok := knownSettings[name]; ok {
		return s
	}
	return settingInfo{context: "user", vartype: "string"}
}

func pgSettings() *relation {
	return &relation{schema: SchemaPgCatalog, name: "pg_settings", oid: 12005, kind: relkindView,
		columns: types.Schema{
			col("name", types.Text), col("setting", types.Text), nullable("unit", types.Text),
			col("category", types.Text), col("short_desc", types.Text), nullable("extra_desc", types.Text),
			col("context", types.Text), col("vartype", types.Text), col("source", types.Text),
			nullable("min_val", types.Text), nullable("max_val", types.Text), nullable("enumvals", types.TextArray),
			nullable("boot_val", types.Text), nullable("reset_val", types.Text), nullable("sourcefile", types.Text),
			nullable("sourceline", types.Int4), col("pending_restart", types.Bool),
		},
		rows: func(c *catalog) [][]types.Datum {
			names := make([]string, 0, len(c.snap.Settings))
			for n := range c.snap.Settings {
				names = append(names, n)
			}
			sort.Strings(names)
			rows := make([][]types.Datum, 0, len(names))
			for _, n := range names {
				info := describeSetting(n)
				category, source := "Client Connection Defaults", "session"
				if info.context == "internal" {
					category, source = "Preset Options", "default"
				}
				rows = append(rows, []types.Datum{
					textDatum(n), textDatum(c.snap.Settings[n]), types.Null,
					textDatum(category), textDatum(""), types.Null,
					textDatum(info.context), textDatum(info.vartype), textDatum(source),
					types.Null, types.Null, types.Null,
					types.Null, types.Null, types.Null,
					types.Null, boolDatum(false),
				})
			}
			return rows
		}}
}
