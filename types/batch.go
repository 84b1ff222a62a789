package types

import "math"

// BatchSize is the number of rows operators aim to put in one batch.
const BatchSize = 1024

// NoWatermark marks a batch that carries no watermark.
const NoWatermark int64 = math.MinInt64

// Column describes one column of a schema.
type Column struct {
	Name     string
	Type     Type
	Nullable bool
}

// Schema is the ordered list of columns of a relation or a plan's output.
type Schema []Column

// Index returns the position of the column named name, or -1.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Batch is a set of rows of one schema, stored row-major in one slice so a
// batch can be reused without allocating per row, plus the event-time
// watermark that travels with the data.
//
// Ownership: the caller of Next owns the batch and passes it in; the callee
// resets it and fills it. Rows read out of a batch are valid until the next
// call that fills the same batch; copy them (CopyRow) to keep them.
type Batch struct {
	// Width is the number of columns of every row.
	Width int
	// Len is the number of rows.
	Len int
	// Datums holds Len*Width values; row i is Datums[i*Width:(i+1)*Width].
	Datums []Datum
	// Watermark is the event time (microseconds since the epoch) below which
	// no further rows will arrive after this batch, or NoWatermark.
	Watermark int64
	// Barrier, when not zero, marks a checkpoint barrier: the batch holds no
	// rows and no watermark, and every row before it belongs to checkpoint
	// Barrier, every row after it to a later one. Operators pass a barrier
	// on in order with their rows; one with several inputs passes it once
	// every input delivered it (alignment).
	Barrier uint64
}

// NewBatch returns an empty batch for rows of width columns.
func NewBatch(width int) *Batch {
	return &Batch{Width: width, Datums: make([]Datum, 0, width*BatchSize), Watermark: NoWatermark}
}

// Reset empties the batch for rows of width columns, keeping its storage.
func (b *Batch) Reset(width int) {
	b.Width = width
	b.Len = 0
	b.Datums = b.Datums[:0]
	b.Watermark = NoWatermark
	b.Barrier = 0
}

// IsBarrier reports whether the batch is a checkpoint barrier.
func (b *Batch) IsBarrier() bool { return b.Barrier != 0 }

// Row returns row i. The slice aliases the batch's storage.
func (b *Batch) Row(i int) []Datum { return b.Datums[i*b.Width : (i+1)*b.Width : (i+1)*b.Width] }

// AppendRow grows the batch by one row and returns it for the caller to
// fill. Its values are whatever the storage held before: set every column.
func (b *Batch) AppendRow() []Datum {
	n := len(b.Datums) + b.Width
	if n > cap(b.Datums) {
		grown := make([]Datum, len(b.Datums), 2*n)
		copy(grown, b.Datums)
		b.Datums = grown
	}
	b.Datums = b.Datums[:n]
	b.Len++
	return b.Datums[n-b.Width : n : n]
}

// Append adds a copy of row to the batch.
func (b *Batch) Append(row []Datum) { copy(b.AppendRow(), row) }

// Truncate keeps the first n rows.
func (b *Batch) Truncate(n int) {
	if n < b.Len {
		b.Len = n
		b.Datums = b.Datums[:n*b.Width]
	}
}

// Full reports whether the batch holds BatchSize rows or more.
func (b *Batch) Full() bool { return b.Len >= BatchSize }

// CopyRow returns a copy of row that does not alias any batch.
func CopyRow(row []Datum) []Datum {
	out := make([]Datum, len(row))
	copy(out, row)
	return out
}
