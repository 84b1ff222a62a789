package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/storage"
)

// stateful is an operator whose state a checkpoint captures: window
// aggregates, interval joins, merges. Both methods are called by the
// pipeline's driver between two calls of Next, never concurrently with
// them.
type stateful interface {
	// appendState appends the operator's state to buf; the state is
	// unchanged.
	appendState(buf []byte) ([]byte, error)
	// loadState replaces the operator's state with one appendState encoded.
	// It is called after Open and before the first Next.
	loadState(data []byte) error
	// stateBytes estimates the memory the state holds (statesize.go). Unlike
	// the methods above it may be called from any goroutine at any time.
	stateBytes() int64
}

// Pipeline is a built operator tree whose state can be saved and restored
// (continuous queries, for checkpoints).
type Pipeline struct {
	// Root is the operator the driver pulls.
	Root Operator
	// stateful are the tree's operators with state, in build order: the
	// same plan built again lists them in the same order.
	stateful []stateful
}

// BuildPipeline is Build, remembering the operators a checkpoint must save.
func BuildPipeline(n planner.Node, env *Env) (*Pipeline, error) {
	p := &Pipeline{}
	env.stateful = &p.stateful
	defer func() { env.stateful = nil }()
	root, err := Build(n, env)
	if err != nil {
		return nil, err
	}
	p.Root = root
	return p, nil
}

// AppendState appends the state of every stateful operator to buf: their
// count, then each one's length-prefixed state.
func (p *Pipeline) AppendState(buf []byte) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(len(p.stateful)))
	var scratch []byte
	for i, op := range p.stateful {
		var err error
		if scratch, err = op.appendState(scratch[:0]); err != nil {
			return nil, fmt.Errorf("exec: saving the state of operator %d (%T): %w", i, op, err)
		}
		buf = binary.AppendUvarint(buf, uint64(len(scratch)))
		buf = append(buf, scratch...)
	}
	return buf, nil
}

// LoadState restores what AppendState saved into a pipeline built from
// the same plan, after Open and before the first Next.
func (p *Pipeline) LoadState(data []byte) error {
	r := storage.NewStateReader(data, "pipeline")
	if count := r.Items(); !r.Failed() && count != len(p.stateful) {
		return fmt.Errorf("exec: saved pipeline state has %d stateful operators, the plan has %d", count, len(p.stateful))
	}
	for i, op := range p.stateful {
		state := r.LengthPrefixed()
		if r.Failed() {
			break
		}
		if err := op.loadState(state); err != nil {
			return fmt.Errorf("exec: restoring the state of operator %d (%T): %w", i, op, err)
		}
	}
	return r.Finish()
}
