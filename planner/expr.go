package planner

import (
	"fmt"
	"strings"

	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// Expr is a bound, typed scalar expression. Expressions are plain data;
// exec compiles them into evaluators.
type Expr interface {
	// Type is the expression's result type.
	Type() types.Type
	// String renders the expression for EXPLAIN.
	String() string
}

// ColRef reads column Index of the input row.
type ColRef struct {
	Index int
	Typ   types.Type
	Name  string
}

// Const is a constant value of type Typ (Value may be NULL).
type Const struct {
	Value types.Datum
	Typ   types.Type
}

// Param is the statement parameter $Index+1.
type Param struct {
	Index int
	Typ   types.Type
}

// Call applies a function or operator overload to its arguments, whose
// types already match the overload's parameters.
type Call struct {
	Fn   *functions.Overload
	Args []Expr
	Typ  types.Type
}

// Cast converts Arg to type To with explicit-cast semantics.
type Cast struct {
	Arg Expr
	To  types.Type
}

// And is the SQL AND of its arguments with three-valued logic.
type And struct{ Args []Expr }

// Or is the SQL OR of its arguments with three-valued logic.
type Or struct{ Args []Expr }

// Not is SQL NOT.
type Not struct{ Arg Expr }

// IsNull is `Arg IS [NOT] NULL`.
type IsNull struct {
	Arg Expr
	Not bool
}

// IsBool is `Arg IS [NOT] TRUE|FALSE`: never NULL.
type IsBool struct {
	Arg   Expr
	Value bool
	Not   bool
}

// When is one branch of a CASE.
type When struct {
	Cond   Expr
	Result Expr
}

// Case is a searched CASE; a simple CASE is bound into this form.
type Case struct {
	Whens []When
	Else  Expr // nil means NULL
	Typ   types.Type
}

// In is `Arg [NOT] IN (List...)`, with SQL NULL semantics. Each element of
// List already has Arg's comparison type; Eq compares Arg with an element.
type In struct {
	Arg  Expr
	List []Expr
	Eq   *functions.Overload
	Not  bool
}

// NextSerial is the next value of a serial column's sequence.
type NextSerial struct {
	Rel    uint64
	Column int
	Typ    types.Type
}

func (e *NextSerial) Type() types.Type { return e.Typ }
func (e *NextSerial) String() string   { return fmt.Sprintf("nextval(%d.%d)", e.Rel, e.Column) }

func (e *ColRef) Type() types.Type { return e.Typ }
func (e *Const) Type() types.Type  { return e.Typ }
func (e *Param) Type() types.Type  { return e.Typ }
func (e *Call) Type() types.Type   { return e.Typ }
func (e *Cast) Type() types.Type   { return e.To }
func (e *And) Type() types.Type    { return types.Bool }
func (e *Or) Type() types.Type     { return types.Bool }
func (e *Not) Type() types.Type    { return types.Bool }
func (e *IsNull) Type() types.Type { return types.Bool }
func (e *IsBool) Type() types.Type { return types.Bool }
func (e *Case) Type() types.Type   { return e.Typ }
func (e *In) Type() types.Type     { return types.Bool }

func (e *ColRef) String() string { return e.Name }

func (e *Const) String() string {
	if e.Value.IsNull() {
		return "NULL"
	}
	text := string(types.AppendText(nil, e.Value, nil))
	switch e.Typ.Family() {
	case types.FamilyInt, types.FamilyFloat, types.FamilyBool:
		return text
	}
	return "'" + strings.ReplaceAll(text, "'", "''") + "'::" + e.Typ.String()
}

func (e *Param) String() string { return fmt.Sprintf("$%d", e.Index+1) }

func (e *Call) String() string {
	name := e.Fn.Name
	if isOperator(name) && len(e.Args) == 2 {
		return "(" + e.Args[0].String() + " " + name + " " + e.Args[1].String() + ")"
	}
	if name == "unary -" {
		return "(-" + e.Args[0].String() + ")"
	}
	return name + "(" + joinExprs(e.Args, ", ") + ")"
}

func (e *Cast) String() string { return e.Arg.String() + "::" + e.To.String() }
func (e *And) String() string  { return "(" + joinExprs(e.Args, " AND ") + ")" }
func (e *Or) String() string   { return "(" + joinExprs(e.Args, " OR ") + ")" }
func (e *Not) String() string  { return "(NOT " + e.Arg.String() + ")" }

func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.Arg.String() + " IS NOT NULL)"
	}
	return "(" + e.Arg.String() + " IS NULL)"
}

func (e *IsBool) String() string {
	s := "(" + e.Arg.String() + " IS "
	if e.Not {
		s += "NOT "
	}
	if e.Value {
		return s + "TRUE)"
	}
	return s + "FALSE)"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (e *In) String() string {
	op := " IN ("
	if e.Not {
		op = " NOT IN ("
	}
	return "(" + e.Arg.String() + op + joinExprs(e.List, ", ") + "))"
}

func joinExprs(es []Expr, sep string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, sep)
}

func isOperator(name string) bool {
	switch name {
	case "+", "-", "*", "/", "%", "=", "<>", "<", "<=", ">", ">=", "||",
		"like", "not like", "ilike", "not ilike", "->", "->>":
		return true
	}
	return false
}
