package planner

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/parser"
	"github.com/novelty-db/novelty/types"
)

// Insert writes the rows of Input, which have Target's full width, into Target.
type Insert struct {
	Target *Relation
	Input  Node
	Params []types.Type
}

// Update rewrites the rows Input yields (full target rows): column i of
// the new row is Sets[i] evaluated over the old row.
type Update struct {
	Target *Relation
	Input  Node
	Sets   []Expr
	Params []types.Type
}

// Delete removes the rows Input yields (full target rows) from Target.
type Delete struct {
	Target *Relation
	Input  Node
	Params []types.Type
}

// PlanDML plans INSERT, UPDATE or DELETE; it returns *Insert, *Update or *Delete.
func PlanDML(cat Catalog, d *parser.DML) (any, error) {
	b := &binder{cat: cat, positions: d.Positions, text: d.Text, params: make([]types.Type, d.Params)}
	b.prepare(d.Stmt, d.ParamOrder)
	switch s := d.Stmt.(type) {
	case *ast.InsertStmt:
		return b.insert(s)
	case *ast.UpdateStmt:
		return b.update(s)
	case *ast.DeleteStmt:
		return b.delete(s)
	}
	return nil, types.Errorf(types.CodeFeatureNotSupported, "statement %T is not supported", d.Stmt)
}

// target resolves the single relation a DML statement writes.
func (b *binder) target(refs *ast.TableRefsClause, verb string) (*Relation, *ast.TableName, error) {
	if refs == nil || refs.TableRefs == nil || refs.TableRefs.Right != nil {
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "%s into more than one relation is not supported", verb)
	}
	ts, ok := refs.TableRefs.Left.(*ast.TableSource)
	if !ok {
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "%s target must be a relation", verb)
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return nil, nil, types.Errorf(types.CodeFeatureNotSupported, "%s target must be a relation", verb)
	}
	rel, ok := b.lookupRelation(tn.Schema.L, tn.Name.O)
	if !ok {
		return nil, nil, b.errAtName(types.Errorf(types.CodeUndefinedTable, "relation %q does not exist", tn.Name.O), tn.Name.L)
	}
	if verb == "INSERT" && !rel.Insertable || verb != "INSERT" && rel.Kind != parser.KindTable {
		return nil, nil, b.errAt(types.Errorf(types.CodeWrongObjectType,
			"cannot %s %s %q", verbPhrase(verb), rel.Kind, rel.Name).
			WithHint("%s", dmlHint(rel, verb)), tn)
	}
	return rel, tn, nil
}

func verbPhrase(verb string) string {
	switch verb {
	case "INSERT":
		return "insert into"
	case "UPDATE":
		return "update"
	}
	return "delete from"
}

func dmlHint(rel *Relation, verb string) string {
	switch {
	case rel.Kind == parser.KindStream:
		return "A stream's rows come from its query; insert into its sources instead."
	case rel.Kind == parser.KindSource && verb == "INSERT":
		return "Only sources declared without a connector accept INSERT."
	case rel.Kind == parser.KindSource:
		return "Source rows are immutable; only tables support UPDATE and DELETE."
	}
	return ""
}

func (b *binder) insert(s *ast.InsertStmt) (*Insert, error) {
	if s.IsReplace || len(s.OnDuplicate) > 0 || s.Setlist {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "this form of INSERT is not supported")
	}
	rel, _, err := b.target(s.Table, "INSERT")
	if err != nil {
		return nil, err
	}
	targets := make([]int, 0, len(rel.Schema))
	if len(s.Columns) == 0 {
		for i := range rel.Schema {
			targets = append(targets, i)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range s.Columns {
			idx := rel.Schema.Index(c.Name.O)
			if idx < 0 {
				return nil, b.errAt(types.Errorf(types.CodeUndefinedColumn,
					"column %q of relation %q does not exist", c.Name.O, rel.Name), c)
			}
			if seen[idx] {
				return nil, b.errAt(types.Errorf(types.CodeDuplicateColumn,
					"column %q specified more than once", c.Name.O), c)
			}
			seen[idx] = true
			targets = append(targets, idx)
		}
	}
	var input Node
	if s.Select != nil {
		if input, err = b.insertSelect(rel, targets, s.Select); err != nil {
			return nil, err
		}
	} else {
		rows := make([][]Expr, len(s.Lists))
		for i, list := range s.Lists {
			if len(list) > len(targets) {
				return nil, b.errAt(types.Errorf(types.CodeSyntaxError,
					"INSERT has more expressions than target columns"), list[len(targets)])
			}
			if len(list) < len(targets) && len(s.Columns) > 0 {
				return nil, types.Errorf(types.CodeSyntaxError, "INSERT has more target columns than expressions")
			}
			row := b.defaultRow(rel)
			for j, n := range list {
				col := rel.Schema[targets[j]]
				if _, isDefault := n.(*ast.DefaultExpr); isDefault {
					continue
				}
				e, err := b.expr(n, &scope{})
				if err != nil {
					return nil, err
				}
				if row[targets[j]], err = b.coerceAssign(e, col.Type, col.Name); err != nil {
					return nil, b.errAt(err, n)
				}
			}
			rows[i] = row
		}
		input = &Values{Rows: rows, Cols: rel.Schema}
	}
	return &Insert{Target: rel, Input: input, Params: b.params}, nil
}

// defaultRow returns a row of rel's column defaults.
func (b *binder) defaultRow(rel *Relation) []Expr {
	row := make([]Expr, len(rel.Schema))
	for i, c := range rel.Schema {
		if i < len(rel.Defaults) && rel.Defaults[i] != nil {
			row[i] = rel.Defaults[i]
		} else {
			row[i] = &Const{Typ: c.Type}
		}
	}
	return row
}

// insertSelect plans INSERT ... SELECT: the query's columns go to targets,
// the other columns get their defaults.
func (b *binder) insertSelect(rel *Relation, targets []int, sel ast.ResultSetNode) (Node, error) {
	q, err := b.query(sel)
	if err != nil {
		return nil, err
	}
	qcols := q.Schema()
	if len(qcols) > len(targets) {
		return nil, types.Errorf(types.CodeSyntaxError, "INSERT has more expressions than target columns")
	}
	row := b.defaultRow(rel)
	for j, c := range qcols {
		col := rel.Schema[targets[j]]
		if row[targets[j]], err = b.coerceAssign(&ColRef{Index: j, Typ: c.Type, Name: c.Name}, col.Type, col.Name); err != nil {
			return nil, err
		}
	}
	return &Project{Input: q, Exprs: row, Cols: rel.Schema}, nil
}

// coerceAssign converts e for storing into a column of type to: implicit
// coercions plus the assignment casts Postgres allows (between numeric
// types, within a family such as timestamptz to timestamp, anything to text).
func (b *binder) coerceAssign(e Expr, to types.Type, column string) (Expr, error) {
	out, err := b.coerce(e, to)
	if err == nil {
		return out, nil
	}
	if _, ok := types.AsError(err); ok && types.CodeOf(err) != types.CodeDatatypeMismatch {
		return nil, err
	}
	from := e.Type()
	if from.IsNumeric() && to.IsNumeric() || from.Family() == to.Family() || to.Family() == types.FamilyString ||
		functions.CanCoerce(from, to) {
		return castOf(e, to)
	}
	if column == "" {
		return nil, err
	}
	return nil, types.Errorf(types.CodeDatatypeMismatch, "column %q is of type %s but expression is of type %s",
		column, to, from).WithHint("You will need to rewrite or cast the expression.")
}

func (b *binder) update(s *ast.UpdateStmt) (*Update, error) {
	if s.Order != nil || s.Limit != nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "UPDATE with ORDER BY or LIMIT is not supported")
	}
	rel, tn, err := b.target(s.TableRefs, "UPDATE")
	if err != nil {
		return nil, err
	}
	input, sc, err := b.targetRows(rel, tn, s.TableRefs, s.Where)
	if err != nil {
		return nil, err
	}
	sets := make([]Expr, len(rel.Schema))
	for i, c := range rel.Schema {
		sets[i] = &ColRef{Index: i, Typ: c.Type, Name: c.Name}
	}
	for _, a := range s.List {
		idx := rel.Schema.Index(a.Column.Name.O)
		if idx < 0 {
			return nil, b.errAt(types.Errorf(types.CodeUndefinedColumn,
				"column %q of relation %q does not exist", a.Column.Name.O, rel.Name), a.Column)
		}
		if _, isDefault := a.Expr.(*ast.DefaultExpr); isDefault {
			sets[idx] = b.defaultRow(rel)[idx]
			continue
		}
		e, err := b.expr(a.Expr, sc)
		if err != nil {
			return nil, err
		}
		if sets[idx], err = b.coerceAssign(e, rel.Schema[idx].Type, rel.Schema[idx].Name); err != nil {
			return nil, b.errAt(err, a.Expr)
		}
	}
	return &Update{Target: rel, Input: input, Sets: sets, Params: b.params}, nil
}

func (b *binder) delete(s *ast.DeleteStmt) (*Delete, error) {
	if s.IsMultiTable || s.Order != nil || s.Limit != nil {
		return nil, types.Errorf(types.CodeFeatureNotSupported, "this form of DELETE is not supported")
	}
	rel, tn, err := b.target(s.TableRefs, "DELETE")
	if err != nil {
		return nil, err
	}
	input, _, err := b.targetRows(rel, tn, s.TableRefs, s.Where)
	if err != nil {
		return nil, err
	}
	return &Delete{Target: rel, Input: input, Params: b.params}, nil
}

// targetRows plans the scan (and WHERE filter) of the rows an UPDATE or
// DELETE touches.
func (b *binder) targetRows(rel *Relation, tn *ast.TableName, refs *ast.TableRefsClause, where ast.ExprNode) (Node, *scope, error) {
	alias := tn.Name.O
	if ts, ok := refs.TableRefs.Left.(*ast.TableSource); ok && ts.AsName.O != "" {
		alias = ts.AsName.O
	}
	var input Node = &Scan{Rel: rel, Mode: ScanTable, Alias: alias}
	sc := scopeOf(alias, rel.Schema, 0)
	if where != nil {
		pred, err := b.boolExpr(where, sc, "WHERE")
		if err != nil {
			return nil, nil, err
		}
		input = &Filter{Input: input, Pred: pred}
	}
	return input, sc, nil
}
