package planner

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/novelty-db/novelty/types"
)

// frame binds a frame clause (nil: the default frame) of a window ordered
// by order, with Postgres' checks.
func (b *binder) frame(f *ast.FrameClause, order []WindowOrderKey) (WindowFrame, error) {
	if f == nil {
		return DefaultFrame, nil
	}
	out := WindowFrame{Unit: FrameRows}
	switch f.Type {
	case ast.Rows:
	case ast.Ranges:
		out.Unit = FrameRange
	default:
		return WindowFrame{}, types.Errorf(types.CodeFeatureNotSupported, "GROUPS frames are not supported")
	}
	out.Start.Kind, out.End.Kind = boundKind(f.Extent.Start), boundKind(f.Extent.End)
	switch {
	case out.Start.Kind == UnboundedFollowing:
		return WindowFrame{}, types.Errorf(codeWindowingError, "frame start cannot be UNBOUNDED FOLLOWING")
	case out.End.Kind == UnboundedPreceding:
		return WindowFrame{}, types.Errorf(codeWindowingError, "frame end cannot be UNBOUNDED PRECEDING")
	case out.Start.Kind == CurrentRow && out.End.Kind == OffsetPreceding:
		return WindowFrame{}, types.Errorf(codeWindowingError, "frame starting from current row cannot have preceding rows")
	case out.Start.Kind == OffsetFollowing && (out.End.Kind == OffsetPreceding || out.End.Kind == CurrentRow):
		return WindowFrame{}, types.Errorf(codeWindowingError, "frame starting from following row cannot have preceding rows")
	}
	var err error
	if out.Start, err = b.frameBound(out.Unit, out.Start.Kind, f.Extent.Start, order); err != nil {
		return WindowFrame{}, err
	}
	if out.End, err = b.frameBound(out.Unit, out.End.Kind, f.Extent.End, order); err != nil {
		return WindowFrame{}, err
	}
	return out, nil
}

func boundKind(fb ast.FrameBound) FrameBoundKind {
	switch {
	case fb.Type == ast.CurrentRow:
		return CurrentRow
	case fb.Type == ast.Preceding && fb.UnBounded:
		return UnboundedPreceding
	case fb.Type == ast.Preceding:
		return OffsetPreceding
	case fb.UnBounded:
		return UnboundedFollowing
	}
	return OffsetFollowing
}

// frameBound binds an offset bound's size: a constant (it may not refer
// to columns) that exec checks is neither NULL nor negative. For RANGE it
// also binds the bound's value over the current row.
func (b *binder) frameBound(unit FrameUnit, kind FrameBoundKind, fb ast.FrameBound, order []WindowOrderKey) (FrameBound, error) {
	out := FrameBound{Kind: kind}
	if kind != OffsetPreceding && kind != OffsetFollowing {
		return out, nil
	}
	if fb.Unit != ast.TimeUnitInvalid {
		return FrameBound{}, types.Errorf(types.CodeFeatureNotSupported, "INTERVAL frame offsets are not supported")
	}
	offset, err := b.expr(fb.Expr, &scope{})
	if err != nil {
		return FrameBound{}, err
	}
	if unit == FrameRows {
		if out.Offset, err = b.coerce(offset, types.Int8); err != nil {
			return FrameBound{}, err
		}
		return out, nil
	}
	if len(order) != 1 {
		return FrameBound{}, types.Errorf(codeWindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	key := order[0]
	if offset.Type() == types.Unknown {
		// A parameter takes the type Postgres' in_range support expects.
		want := key.Expr.Type()
		if !want.IsNumeric() {
			want = types.Interval
		}
		if offset, err = b.coerce(offset, want); err != nil {
			return FrameBound{}, err
		}
	}
	if !rangeOffsetSupported(key.Expr.Type(), types.Interval) && !rangeOffsetSupported(key.Expr.Type(), types.Int4) {
		return FrameBound{}, types.Errorf(types.CodeFeatureNotSupported,
			"RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", key.Expr.Type())
	}
	if !rangeOffsetSupported(key.Expr.Type(), offset.Type()) {
		return FrameBound{}, types.Errorf(types.CodeFeatureNotSupported,
			"RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s",
			key.Expr.Type(), offset.Type())
	}
	// Preceding rows have smaller values ascending and larger descending.
	op := "-"
	if (kind == OffsetPreceding) == key.Desc {
		op = "+"
	}
	if out.Value, err = b.call(op, []Expr{key.Expr, offset}); err != nil {
		return FrameBound{}, err
	}
	out.Offset = offset
	return out, nil
}

// rangeOffsetSupported reports whether Postgres has in_range support for
// an ORDER BY column of type key and an offset of type offset.
func rangeOffsetSupported(key, offset types.Type) bool {
	switch key.Family() {
	case types.FamilyInt:
		return offset.Family() == types.FamilyInt
	case types.FamilyFloat:
		return offset.IsNumeric()
	case types.FamilyDate, types.FamilyTimestamp, types.FamilyInterval:
		return offset == types.Interval
	}
	return false
}
