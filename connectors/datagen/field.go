package datagen

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/novelty-db/novelty/types"
)

// FieldOptionPrefix starts every per-column option:
// fields.<column>.<attribute>.
const FieldOptionPrefix = "fields."

// The attributes a column's options may set.
const (
	attrKind    = "kind"
	attrMin     = "min"
	attrMax     = "max"
	attrLength  = "length"
	attrValues  = "values"
	attrWeights = "weights"
)

// Defaults of the per-column options.
const (
	DefaultRandomMin    = 0
	DefaultRandomMax    = 32767
	DefaultSequenceMin  = 1
	DefaultStringLength = 10
	maxStringLength     = 1 << 20
)

// generator says how a column's values are made.
type generator uint8

const (
	genIntRandom generator = iota
	genIntSequence
	genFloatRandom
	genFloatSequence
	genStringRandom
	genStringSequence
	genBool
	genUUID
	genTime
	genValues
)

// Field is how one column's values are generated.
type Field struct {
	gen        generator
	typ        types.Type
	imin, imax int64   // integer and string sequences, random integers
	fmin, fmax float64 // floats
	length     int     // random strings
	values     []types.Datum
	cumWeights []int64 // running totals of the weights; nil picks uniformly
	// rows bounds the rows a sequence can make before passing its max;
	// 0 is unbounded.
	rows int64
}

// columnOptions are one column's attributes, with the full option names
// for errors.
type columnOptions struct {
	values map[string]string // attribute -> value
	keys   map[string]string // attribute -> option name as written
}

func (c columnOptions) has(attr string) bool { _, ok := c.values[attr]; return ok }

// ParseFields reads the fields.<column>.<attribute> entries of options
// (other keys are ignored) into one Field per column of cols. Options are
// checked in key order, so the first bad one is always the one reported. Errors are
// *types.Error with SQLSTATE 22023 naming the offending option.
func ParseFields(cols types.Schema, options map[string]string) ([]Field, error) {
	perColumn := make([]columnOptions, len(cols))
	for _, key := range slices.Sorted(maps.Keys(options)) {
		if !strings.HasPrefix(key, FieldOptionPrefix) {
			continue
		}
		value := options[key]
		rest := key[len(FieldOptionPrefix):]
		dot := strings.LastIndexByte(rest, '.')
		if dot <= 0 {
			return nil, optionError(key, "want %s<column>.<attribute>", FieldOptionPrefix)
		}
		col, attr := rest[:dot], rest[dot+1:]
		idx := cols.Index(col)
		if idx < 0 {
			return nil, optionError(key, "the source has no column %q", col)
		}
		switch attr {
		case attrKind, attrMin, attrMax, attrLength, attrValues, attrWeights:
		default:
			return nil, optionError(key, "unknown attribute %q; use kind, min, max, length, values or weights", attr)
		}
		c := &perColumn[idx]
		if c.values == nil {
			c.values, c.keys = map[string]string{}, map[string]string{}
		}
		c.values[attr], c.keys[attr] = value, key
	}
	fields := make([]Field, len(cols))
	for i, col := range cols {
		f, err := parseField(col, perColumn[i])
		if err != nil {
			return nil, err
		}
		fields[i] = f
	}
	return fields, nil
}

// optionError reports an option that does not fit its column.
func optionError(key, format string, args ...any) *types.Error {
	return types.Errorf(types.CodeInvalidParameterValue, "option %q: %s", key, fmt.Sprintf(format, args...))
}

// valueError reports an option value that does not parse or is out of range.
func valueError(key, value, format string, args ...any) *types.Error {
	return types.Errorf(types.CodeInvalidParameterValue, "invalid value %q for option %q: %s", value, key, fmt.Sprintf(format, args...))
}

func parseField(col types.Column, o columnOptions) (Field, error) {
	if o.has(attrValues) {
		if err := reject(col, o, "cannot be combined with "+o.keys[attrValues], attrKind, attrMin, attrMax, attrLength); err != nil {
			return Field{}, err
		}
		return valuesField(col, o)
	}
	if o.has(attrWeights) {
		return Field{}, optionError(o.keys[attrWeights], "needs %s%s.%s", FieldOptionPrefix, col.Name, attrValues)
	}
	kind := o.values[attrKind]
	switch kind {
	case "", "random", "sequence":
	default:
		return Field{}, valueError(o.keys[attrKind], kind, "allowed values are random, sequence")
	}
	t := col.Type
	switch {
	case t.Family() == types.FamilyInt:
		return intField(col, o, kind == "sequence")
	case t.Family() == types.FamilyFloat:
		return floatField(col, o, kind == "sequence")
	case t == types.Text || t == types.Varchar:
		return stringField(col, o, kind == "sequence")
	case t == types.Bool || t == types.UUID:
		if kind == "sequence" {
			return Field{}, valueError(o.keys[attrKind], kind, "a %s column can only be random", t)
		}
		if err := reject(col, o, notApplicable(col), attrMin, attrMax, attrLength); err != nil {
			return Field{}, err
		}
		if t == types.Bool {
			return Field{gen: genBool, typ: t}, nil
		}
		return Field{gen: genUUID, typ: t}, nil
	case t.Family() == types.FamilyTimestamp || t == types.Date:
		if kind == "random" {
			return Field{}, valueError(o.keys[attrKind], kind, "a %s column can only be a sequence, advancing with each row", t)
		}
		if err := reject(col, o, notApplicable(col), attrMin, attrMax, attrLength); err != nil {
			return Field{}, err
		}
		return Field{gen: genTime, typ: t}, nil
	}
	return Field{}, types.Errorf(types.CodeFeatureNotSupported,
		"datagen cannot generate column %q of type %s", col.Name, t).
		WithHint("Set %s%s.%s to a list of values to pick from.", FieldOptionPrefix, col.Name, attrValues)
}

func notApplicable(col types.Column) string {
	return fmt.Sprintf("does not apply to column %q of type %s", col.Name, col.Type)
}

// reject fails on the first of attrs that o sets.
func reject(col types.Column, o columnOptions, why string, attrs ...string) error {
	for _, a := range attrs {
		if o.has(a) {
			return optionError(o.keys[a], "%s", why)
		}
	}
	return nil
}

func intField(col types.Column, o columnOptions, sequence bool) (Field, error) {
	if err := reject(col, o, notApplicable(col), attrLength); err != nil {
		return Field{}, err
	}
	lo, hi := intRange(col.Type)
	f := Field{gen: genIntRandom, typ: col.Type, imin: DefaultRandomMin, imax: min(DefaultRandomMax, hi)}
	if sequence {
		f.gen, f.imin, f.imax = genIntSequence, DefaultSequenceMin, hi
	}
	var err error
	if f.imin, err = intAttr(o, attrMin, f.imin, lo, hi); err != nil {
		return Field{}, err
	}
	if f.imax, err = intAttr(o, attrMax, f.imax, lo, hi); err != nil {
		return Field{}, err
	}
	if f.imax < f.imin {
		return Field{}, valueError(o.keys[attrMax], o.values[attrMax], "less than the minimum %d", f.imin)
	}
	if sequence {
		f.rows = sequenceRows(f.imin, f.imax)
	}
	return f, nil
}

func floatField(col types.Column, o columnOptions, sequence bool) (Field, error) {
	if err := reject(col, o, notApplicable(col), attrLength); err != nil {
		return Field{}, err
	}
	f := Field{gen: genFloatRandom, typ: col.Type, fmin: DefaultRandomMin, fmax: DefaultRandomMax}
	if sequence {
		f.gen, f.fmin, f.fmax = genFloatSequence, DefaultSequenceMin, math.Inf(1)
	}
	var err error
	if f.fmin, err = floatAttr(o, attrMin, f.fmin); err != nil {
		return Field{}, err
	}
	if f.fmax, err = floatAttr(o, attrMax, f.fmax); err != nil {
		return Field{}, err
	}
	if f.fmax < f.fmin {
		return Field{}, valueError(o.keys[attrMax], o.values[attrMax], "less than the minimum %g", f.fmin)
	}
	if sequence && !math.IsInf(f.fmax, 1) {
		f.rows = int64(min(math.Floor(f.fmax-f.fmin)+1, math.MaxInt64/2))
	}
	return f, nil
}

func stringField(col types.Column, o columnOptions, sequence bool) (Field, error) {
	if sequence {
		if err := reject(col, o, "does not apply to a sequence", attrLength); err != nil {
			return Field{}, err
		}
		f := Field{gen: genStringSequence, typ: col.Type}
		var err error
		if f.imin, err = intAttr(o, attrMin, DefaultSequenceMin, math.MinInt64, math.MaxInt64); err != nil {
			return Field{}, err
		}
		if f.imax, err = intAttr(o, attrMax, math.MaxInt64, math.MinInt64, math.MaxInt64); err != nil {
			return Field{}, err
		}
		if f.imax < f.imin {
			return Field{}, valueError(o.keys[attrMax], o.values[attrMax], "less than the minimum %d", f.imin)
		}
		f.rows = sequenceRows(f.imin, f.imax)
		return f, nil
	}
	if err := reject(col, o, "does not apply to random strings; use "+FieldOptionPrefix+col.Name+"."+attrLength, attrMin, attrMax); err != nil {
		return Field{}, err
	}
	length, err := intAttr(o, attrLength, DefaultStringLength, 0, maxStringLength)
	return Field{gen: genStringRandom, typ: col.Type, length: int(length)}, err
}

// sequenceRows is how many values [lo, hi] holds; 0 when that does not
// fit an int64 (unbounded in practice).
func sequenceRows(lo, hi int64) int64 {
	n := uint64(hi-lo) + 1
	if n == 0 || n > math.MaxInt64 {
		return 0
	}
	return int64(n)
}

func intRange(t types.Type) (int64, int64) {
	switch t {
	case types.Int2:
		return math.MinInt16, math.MaxInt16
	case types.Int4:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

// intAttr reads an integer attribute in [lo, hi], or def when absent.
func intAttr(o columnOptions, attr string, def, lo, hi int64) (int64, error) {
	v, ok := o.values[attr]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, valueError(o.keys[attr], v, "want a whole number from %d to %d", lo, hi)
	}
	return n, nil
}

// floatAttr reads a finite number attribute, or def when absent.
func floatAttr(o columnOptions, attr string, def float64) (float64, error) {
	v, ok := o.values[attr]
	if !ok {
		return def, nil
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, valueError(o.keys[attr], v, "want a finite number")
	}
	return x, nil
}

// valuesField picks from a comma-separated list, each item read as the
// column's type, uniformly or by weights.
func valuesField(col types.Column, o columnOptions) (Field, error) {
	key, list := o.keys[attrValues], o.values[attrValues]
	f := Field{gen: genValues, typ: col.Type}
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		d, err := types.ParseText(col.Type, item, time.UTC)
		if err != nil {
			msg := err.Error()
			if e, ok := types.AsError(err); ok {
				msg = e.Message
			}
			return Field{}, valueError(key, list, "item %q: %s", item, msg)
		}
		f.values = append(f.values, d)
	}
	if !o.has(attrWeights) {
		return f, nil
	}
	wkey, wlist := o.keys[attrWeights], o.values[attrWeights]
	var total int64
	for item := range strings.SplitSeq(wlist, ",") {
		w, err := strconv.ParseInt(strings.TrimSpace(item), 10, 32)
		if err != nil || w < 0 {
			return Field{}, valueError(wkey, wlist, "weight %q is not a whole number from 0 to %d", item, math.MaxInt32)
		}
		total += w
		f.cumWeights = append(f.cumWeights, total)
	}
	switch {
	case len(f.cumWeights) != len(f.values):
		return Field{}, valueError(wkey, wlist, "%d weights for %d values", len(f.cumWeights), len(f.values))
	case total == 0:
		return Field{}, valueError(wkey, wlist, "the weights add up to 0")
	}
	return f, nil
}
