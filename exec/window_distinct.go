package exec

import (
	"github.com/novelty-db/novelty/functions"
	"github.com/novelty-db/novelty/types"
)

// distinctArgs is what a DISTINCT aggregate of one pane or session has
// seen: its distinct argument lists, in order of first arrival, and their
// encoded keys. The aggregate's state is built from them only when the
// window is emitted, as one value may come from several panes or sessions.
type distinctArgs struct {
	seen map[string]struct{}
	n    int           // lists held
	args []types.Datum // the lists, len(args)/n each
	// bytes is what the lists and their keys hold (statesize_window.go).
	bytes int64
}

// add keeps the argument list args, encoded as key, unless already seen.
func (d *distinctArgs) add(key []byte, args []types.Datum) {
	if d.seen == nil {
		d.seen = make(map[string]struct{})
	}
	if _, dup := d.seen[string(key)]; dup {
		return
	}
	d.seen[string(key)] = struct{}{}
	d.args = append(d.args, args...)
	d.n++
	d.bytes += distinctListBytes(key, args)
}

// list returns the i-th argument list.
func (d *distinctArgs) list(i int) []types.Datum {
	width := len(d.args) / d.n
	return d.args[i*width : (i+1)*width : (i+1)*width]
}

// merge appends the lists of other that d has not seen, in their order;
// key is scratch for their encoding.
func (d *distinctArgs) merge(other *distinctArgs, key []byte) []byte {
	for i := range other.n {
		args := other.list(i)
		key = appendArgsKey(key[:0], args)
		d.add(key, args)
	}
	return key
}

// distinctResult adds to a fresh state of fn every argument list of parts
// (in order) not seen in an earlier one, and returns its result. seen is
// scratch, left empty; key is scratch for encodings. A list the state
// rejects is reported through env and left out.
func distinctResult(fn *functions.Aggregate, parts []*distinctArgs, seen map[string]struct{}, key []byte, env *Env) (types.Datum, []byte, error) {
	st := fn.New()
	defer clear(seen)
	for _, d := range parts {
		for i := range d.n {
			args := d.list(i)
			if len(parts) > 1 {
				key = appendArgsKey(key[:0], args)
				if _, dup := seen[string(key)]; dup {
					continue
				}
				seen[string(key)] = struct{}{}
			}
			if err := st.Add(args); err != nil {
				if err = env.rowError(err); err != nil {
					return types.Null, key, err
				}
			}
		}
	}
	return st.Result(), key, nil
}
