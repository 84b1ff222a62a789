package parser

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
)

// BoolLiteral reports whether e is the literal TRUE or FALSE, and which.
// TiDB parses both as the integer constants 1 and 0; only the IsBooleanFlag
// on their type tells them from the numbers, so the planner must ask here
// rather than look at the value.
func BoolLiteral(e ast.ExprNode) (value, ok bool) {
	v, isValue := e.(ast.ValueExpr)
	if !isValue || !mysql.HasIsBooleanFlag(v.GetType().GetFlag()) {
		return false, false
	}
	switch n := v.GetValue().(type) {
	case int64:
		return n != 0, true
	case uint64:
		return n != 0, true
	}
	return false, false
}
