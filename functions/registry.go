// Package functions holds Novelty's scalar and aggregate functions and the
// SQL operators, registered in one table with their signatures. The planner
// resolves a call by name and argument types (Resolve); exec calls Impl.
package functions

import (
	"time"

	"github.com/novelty-db/novelty/types"
)

// EvalContext is what a function may know about the statement evaluating it.
// It is created once per statement (or per pipeline) and shared by all rows.
type EvalContext struct {
	// Now is the statement's timestamp, taken from the engine's injected clock.
	Now time.Time
	// Location is the session's TimeZone, used for timestamptz input and output.
	Location *time.Location
	// Session answers the functions that describe the session
	// (current_user, current_setting, advisory locks); nil outside one.
	Session SessionInfo
}

// SessionInfo is what session functions need from the session running
// them; the engine implements it.
type SessionInfo interface {
	User() string
	Database() string
	// Setting returns a session setting by lower-case name.
	Setting(name string) (string, bool)
	BackendPID() int32
	// AdvisoryLock takes the session-level advisory lock key, waiting for
	// it when wait is set; it reports whether the lock was taken.
	AdvisoryLock(key int64, wait bool) (bool, error)
	// AdvisoryUnlock releases one hold of key; false if the session held none.
	AdvisoryUnlock(key int64) bool
}

// Impl computes a function's result. args has exactly the overload's
// parameter types (the planner inserts casts); the callee must not keep args.
type Impl func(ctx *EvalContext, args []types.Datum) (types.Datum, error)

// Overload is one signature of a function or operator.
type Overload struct {
	// Name is the lower-case function name, or the operator's symbol
	// ("+", "=", "||", "like", "~", "->", "->>", "unary -").
	Name string
	// Args are the parameter types. With Variadic, the last one repeats
	// zero or more times.
	Args     []types.Type
	Variadic bool
	// Result is the result type; when ResultOf is set it decides instead,
	// from the actual argument types (e.g. coalesce, greatest).
	Result   types.Type
	ResultOf func(args []types.Type) types.Type
	// Volatile functions (now(), random()) are not folded at plan time.
	Volatile bool
	// NullCalls means Impl is called with NULL arguments; otherwise a NULL
	// argument makes the result NULL without calling Impl (Postgres' STRICT).
	NullCalls bool
	// Impl computes the result.
	Impl Impl
}

// ResultType returns the result type of the overload for the given argument types.
func (o *Overload) ResultType(args []types.Type) types.Type {
	if o.ResultOf != nil {
		return o.ResultOf(args)
	}
	return o.Result
}

// AggState accumulates one group of an aggregate.
type AggState interface {
	// Add folds one row's arguments into the state. The callee must not keep args.
	Add(args []types.Datum) error
	// Result returns the aggregate over everything added so far; it may be
	// called more than once.
	Result() types.Datum
	// Merge folds other, a state of the same aggregate built from rows that come after this state's rows, into this state. other must not be used afterwards.
	// When the merged value leaves its type's range it returns the error
	// Add would and leaves this state unchanged.
	Merge(other AggState) error
	// Clone returns an independent copy: adding to or merging into either
	// state leaves the other unchanged.
	Clone() AggState
}

// AggStateCodec is implemented by every built-in AggState, so checkpoints
// can save a group's state and restore it after a restart.
type AggStateCodec interface {
	// AppendState appends the state's encoding to buf and returns the
	// extended buffer; the state is unchanged.
	AppendState(buf []byte) ([]byte, error)
	// LoadState replaces the state with the one AppendState encoded in
	// data; the state must not keep data.
	LoadState(data []byte) error
}

// Aggregate is one signature of an aggregate function.
type Aggregate struct {
	Name     string
	Args     []types.Type
	Result   types.Type
	ResultOf func(args []types.Type) types.Type
	// New returns an empty state for one group.
	New func() AggState
}

// ResultType returns the result type of the aggregate for the given argument types.
func (a *Aggregate) ResultType(args []types.Type) types.Type {
	if a.ResultOf != nil {
		return a.ResultOf(args)
	}
	return a.Result
}
