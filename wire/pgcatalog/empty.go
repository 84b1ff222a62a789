package pgcatalog

import "github.com/novelty-db/novelty/types"

// Catalogs of things Novelty does not have (indexes, comments, functions
// defined in SQL, inheritance, row security, extended statistics,
// publications, triggers, rules, extensions): no rows, but the columns
// clients read, so that their queries bind and find nothing.

// emptyRelation is a pg_catalog table without rows.
func emptyRelation(name string, oid uint32, columns types.Schema) *relation {
	return &relation{schema: SchemaPgCatalog, name: name, oid: oid, kind: relkindTable, columns: columns,
		rows: func(*catalog) [][]types.Datum { return nil }}
}

func pgIndex() *relation {
	return emptyRelation("pg_index", 2610, types.Schema{
		col("indexrelid", oidType), col("indrelid", oidType), col("indnatts", types.Int2), col("indnkeyatts", types.Int2),
		col("indisunique", types.Bool), col("indnullsnotdistinct", types.Bool), col("indisprimary", types.Bool),
		col("indisexclusion", types.Bool), col("indimmediate", types.Bool), col("indisclustered", types.Bool),
		col("indisvalid", types.Bool), col("indcheckxmin", types.Bool), col("indisready", types.Bool),
		col("indislive", types.Bool), col("indisreplident", types.Bool), col("indkey", types.Int2Vector),
		col("indcollation", vectorType), col("indclass", vectorType), col("indoption", types.Int2Vector),
		nullable("indexprs", nodeTreeType), nullable("indpred", nodeTreeType),
	})
}

func pgDescription() *relation {
	return emptyRelation("pg_description", 2609, types.Schema{
		col("objoid", oidType), col("classoid", oidType), col("objsubid", types.Int4), col("description", types.Text),
	})
}

func pgProc() *relation {
	return emptyRelation("pg_proc", 1255, types.Schema{
		col("oid", oidType), col("proname", nameType), col("pronamespace", oidType), col("proowner", oidType),
		col("prolang", oidType), col("procost", types.Float4), col("prorows", types.Float4),
		col("provariadic", oidType), col("prosupport", regprocType), col("prokind", charType),
		col("prosecdef", types.Bool), col("proleakproof", types.Bool), col("proisstrict", types.Bool),
		col("proretset", types.Bool), col("provolatile", charType), col("proparallel", charType),
		col("pronargs", types.Int2), col("pronargdefaults", types.Int2), col("prorettype", oidType),
		col("proargtypes", vectorType), nullable("proallargtypes", oidArrType), nullable("proargmodes", charArrType),
		nullable("proargnames", types.TextArray), nullable("proargdefaults", nodeTreeType),
		nullable("protrftypes", oidArrType), col("prosrc", types.Text), nullable("probin", types.Text),
		nullable("prosqlbody", nodeTreeType), nullable("proconfig", types.TextArray), nullable("proacl", aclType),
	})
}

func pgInherits() *relation {
	return emptyRelation("pg_inherits", 2611, types.Schema{
		col("inhrelid", oidType), col("inhparent", oidType), col("inhseqno", types.Int4),
		col("inhdetachpending", types.Bool),
	})
}

func pgPolicy() *relation {
	return emptyRelation("pg_policy", 3256, types.Schema{
		col("oid", oidType), col("polname", nameType), col("polrelid", oidType), col("polcmd", charType),
		col("polpermissive", types.Bool), col("polroles", oidArrType), nullable("polqual", nodeTreeType),
		nullable("polwithcheck", nodeTreeType),
	})
}

func pgStatisticExt() *relation {
	return emptyRelation("pg_statistic_ext", 3381, types.Schema{
		col("oid", oidType), col("stxrelid", oidType), col("stxname", nameType), col("stxnamespace", oidType),
		col("stxowner", oidType), col("stxstattarget", types.Int4), col("stxkeys", types.Int2Vector),
		col("stxkind", charArrType), nullable("stxexprs", nodeTreeType),
	})
}

func pgPublication() *relation {
	return emptyRelation("pg_publication", 6104, types.Schema{
		col("oid", oidType), col("pubname", nameType), col("pubowner", oidType), col("puballtables", types.Bool),
		col("pubinsert", types.Bool), col("pubupdate", types.Bool), col("pubdelete", types.Bool),
		col("pubtruncate", types.Bool), col("pubviaroot", types.Bool),
	})
}

func pgPublicationNamespace() *relation {
	return emptyRelation("pg_publication_namespace", 6237, types.Schema{
		col("oid", oidType), col("pnpubid", oidType), col("pnnspid", oidType),
	})
}

func pgPublicationRel() *relation {
	return emptyRelation("pg_publication_rel", 6106, types.Schema{
		col("oid", oidType), col("prpubid", oidType), col("prrelid", oidType), nullable("prqual", nodeTreeType),
		nullable("prattrs", types.Int2Vector),
	})
}

func pgTrigger() *relation {
	return emptyRelation("pg_trigger", 2620, types.Schema{
		col("oid", oidType), col("tgrelid", oidType), col("tgparentid", oidType), col("tgname", nameType),
		col("tgfoid", oidType), col("tgtype", types.Int2), col("tgenabled", charType), col("tgisinternal", types.Bool),
		col("tgconstrrelid", oidType), col("tgconstrindid", oidType), col("tgconstraint", oidType),
		col("tgdeferrable", types.Bool), col("tginitdeferred", types.Bool), col("tgnargs", types.Int2),
		col("tgattr", types.Int2Vector), col("tgargs", types.Bytea), nullable("tgqual", nodeTreeType),
		nullable("tgoldtable", nameType), nullable("tgnewtable", nameType),
	})
}

func pgRewrite() *relation {
	return emptyRelation("pg_rewrite", 2618, types.Schema{
		col("oid", oidType), col("rulename", nameType), col("ev_class", oidType), col("ev_type", charType),
		col("ev_enabled", charType), col("is_instead", types.Bool), col("ev_qual", nodeTreeType),
		col("ev_action", nodeTreeType),
	})
}

func pgExtension() *relation {
	return emptyRelation("pg_extension", 3079, types.Schema{
		col("oid", oidType), col("extname", nameType), col("extowner", oidType), col("extnamespace", oidType),
		col("extrelocatable", types.Bool), col("extversion", types.Text), nullable("extconfig", oidArrType),
		nullable("extcondition", types.TextArray),
	})
}
