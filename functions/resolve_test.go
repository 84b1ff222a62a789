package functions

import (
	"slices"
	"testing"

	"github.com/novelty-db/novelty/types"
)

func TestResolve(t *testing.T) {
	u := types.Unknown
	cases := []struct {
		name   string
		args   []types.Type
		params []types.Type // the overload's parameters, expanded per argument
		result types.Type
	}{
		{"+", sig(types.Int4, types.Int4), sig(types.Int4, types.Int4), types.Int4},
		{"+", sig(types.Int2, types.Int8), sig(types.Int8, types.Int8), types.Int8},
		{"+", sig(types.Int4, types.Float4), sig(types.Float4, types.Float4), types.Float4},
		{"+", sig(types.Int8, types.Numeric), sig(types.Numeric, types.Numeric), types.Numeric},
		{"+", sig(types.Numeric, types.Float8), sig(types.Float8, types.Float8), types.Float8},
		{"+", sig(types.Int4, u), sig(types.Int4, types.Int4), types.Int4},
		// The binary-operator rule: an untyped side takes the other side's type.
		{"-", sig(types.Timestamp, u), sig(types.Timestamp, types.Timestamp), types.Interval},
		{"+", sig(types.Timestamp, u), sig(types.Timestamp, types.Interval), types.Timestamp},
		{"-", sig(types.Timestamp, types.Interval), sig(types.Timestamp, types.Interval), types.Timestamp},
		{"+", sig(types.Date, types.Interval), sig(types.Date, types.Interval), types.Timestamp},
		{"=", sig(u, u), sig(types.Text, types.Text), types.Bool},
		{"=", sig(types.Varchar, types.Text), sig(types.Text, types.Text), types.Bool},
		{"=", sig(types.Date, types.Timestamp), sig(types.Timestamp, types.Timestamp), types.Bool},
		{"<", sig(types.Timestamp, types.TimestampTZ), sig(types.TimestampTZ, types.TimestampTZ), types.Bool},
		{"=", sig(types.JSON, types.JSONB), sig(types.JSONB, types.JSONB), types.Bool},
		{"=", sig(types.Int4, types.Float8), sig(types.Float8, types.Float8), types.Bool},
		{"->", sig(types.JSONB, u), sig(types.JSONB, types.Text), types.JSONB},
		{"->>", sig(types.JSON, types.Int4), sig(types.JSON, types.Int4), types.Text},
		{"||", sig(types.Text, types.Int4), sig(types.Text, types.Int4), types.Text},
		{"||", sig(u, u), sig(types.Text, types.Text), types.Text},
		{"sqrt", sig(types.Int4), sig(types.Float8), types.Float8},
		{"sqrt", sig(types.Numeric), sig(types.Numeric), types.Numeric},
		{"date_trunc", sig(u, types.Date), sig(types.Text, types.TimestampTZ), types.TimestampTZ},
		{"date_trunc", sig(u, types.Timestamp), sig(types.Text, types.Timestamp), types.Timestamp},
		{"coalesce", sig(types.Int4, types.Int8, u), sig(types.Int8, types.Int8, types.Int8), types.Int8},
		{"coalesce", sig(u, u), sig(types.Text, types.Text), types.Text},
		{"concat", sig(types.Int4, u, types.Bool), sig(types.Int4, types.Text, types.Bool), types.Text},
		{"COALESCE", sig(types.Bool, types.Bool), sig(types.Bool, types.Bool), types.Bool},
		{"json_build_object", sig(u, types.Int4), sig(types.Text, types.Int4), types.JSON},
	}
	for _, c := range cases {
		o, err := Resolve(c.name, c.args)
		if err != nil {
			t.Errorf("%s%v: %v", c.name, c.args, err)
			continue
		}
		params := make([]types.Type, len(c.args))
		for i := range params {
			params[i] = o.Args[min(i, len(o.Args)-1)]
		}
		if !slices.Equal(params, c.params) || o.ResultType(c.args) != c.result {
			t.Errorf("%s%v resolved to %v -> %s, want %v -> %s", c.name, c.args, params, o.ResultType(c.args), c.params, c.result)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	cases := []struct {
		name string
		args []types.Type
		msg  string
	}{
		{"foo", sig(types.Int4, types.Text), "function foo(integer, text) does not exist"},
		{"lower", sig(types.Int4), "function lower(integer) does not exist"},
		{"+", sig(types.Int4, types.Text), "operator does not exist: integer + text"},
		{"unary -", sig(types.Text), "operator does not exist: - text"},
		{"like", sig(types.Int4, types.Text), "operator does not exist: integer like text"},
		{"substr", sig(types.Text), "function substr(text) does not exist"},
		{"=", sig(types.Bool, types.Int4), "operator does not exist: boolean = integer"},
		{"", nil, "function () does not exist"},
	}
	for _, c := range cases {
		_, err := Resolve(c.name, c.args)
		e, ok := types.AsError(err)
		switch {
		case !ok:
			t.Errorf("%s%v: error %v is not a *types.Error", c.name, c.args, err)
		case e.Code != types.CodeUndefinedFunction || e.Message != c.msg || e.Hint == "":
			t.Errorf("%s%v: got %s %q (hint %q), want 42883 %q", c.name, c.args, e.Code, e.Message, e.Hint, c.msg)
		}
	}
}

func TestCanCoerce(t *testing.T) {
	cases := []struct {
		from, to types.Type
		want     bool
	}{
		{types.Unknown, types.Interval, true},
		{types.Int2, types.Float8, true},
		{types.Int8, types.Numeric, true},
		{types.Float8, types.Int8, false},
		{types.Numeric, types.Int4, false},
		{types.Float4, types.Float8, true},
		{types.Varchar, types.Text, true},
		{types.Int4, types.Text, false},
		{types.Date, types.TimestampTZ, true},
		{types.TimestampTZ, types.Timestamp, false},
		{types.JSON, types.JSONB, true},
		{types.JSONB, types.JSON, true},
		{types.Bool, types.Int4, false},
		{types.Text, types.Text, true},
	}
	for _, c := range cases {
		if got := CanCoerce(c.from, c.to); got != c.want {
			t.Errorf("CanCoerce(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestResolvedOverloadsNeverExposeAnyType(t *testing.T) {
	for name, list := range scalars {
		for _, o := range list {
			args := make([]types.Type, len(o.Args))
			for i, p := range o.Args {
				args[i] = p
				if p == anyType {
					args[i] = types.Int4
				}
			}
			r, err := Resolve(name, args)
			if err != nil {
				t.Errorf("%s%v does not resolve: %v", name, args, err)
				continue
			}
			if hasAnyType(r.Args) {
				t.Errorf("%s%v resolved to parameters %v", name, args, r.Args)
			}
			if r.Impl == nil {
				t.Errorf("%s has no Impl", name)
			}
		}
	}
}
