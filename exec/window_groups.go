package exec

import "github.com/novelty-db/novelty/types"

// groupDict numbers the group keys of the open windows, so a row's key is
// hashed once and a pane indexes its groups by number. A group's id is
// released when the last window holding it is emitted, and then reused.
type groupDict struct {
	width int
	ids   map[string]int32
	// By id: the map key ("" once released), the group values (width
	// each), and the latest end of a window holding the group.
	keys    []string
	vals    []types.Datum
	lastEnd []int64
	free    []int32
	// bytes are the live groups' key and text bytes (statesize_window.go).
	bytes int64
}

func (d *groupDict) reset(width int) {
	*d = groupDict{width: width, ids: make(map[string]int32)}
}

// id returns the id of the group with encoded key and values vals,
// numbering it if new, and notes that a window ending at end holds it.
func (d *groupDict) id(key []byte, vals []types.Datum, end int64) int32 {
	id, ok := d.ids[string(key)]
	if !ok {
		k := string(key)
		d.bytes += int64(len(k)) + textBytes(vals)
		if n := len(d.free); n > 0 {
			id, d.free = d.free[n-1], d.free[:n-1]
			d.keys[id] = k
			copy(d.vals[int(id)*d.width:], vals)
			d.lastEnd[id] = end
		} else {
			id = int32(len(d.keys))
			d.keys = append(d.keys, k)
			d.vals = append(d.vals, vals...)
			d.lastEnd = append(d.lastEnd, end)
		}
		d.ids[k] = id
	}
	d.lastEnd[id] = max(d.lastEnd[id], end)
	return id
}

func (d *groupDict) values(id int32) []types.Datum {
	return d.vals[int(id)*d.width : (int(id)+1)*d.width]
}

func (d *groupDict) release(id int32) {
	d.bytes -= int64(len(d.keys[id])) + textBytes(d.values(id))
	delete(d.ids, d.keys[id])
	d.keys[id] = ""
	clear(d.values(id))
	d.free = append(d.free, id)
}
