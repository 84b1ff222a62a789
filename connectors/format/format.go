// Package format turns external records into rows and rows into records:
// JSON objects, CSV lines and raw bytes. Decoders and encoders reuse their
// buffers between records and are not safe for concurrent use; build one
// per reading or writing goroutine.
package format

import "github.com/novelty-db/novelty/types"

// Decoder reads one record into a row.
type Decoder interface {
	// Decode fills every column of row (len(row) is the schema width) from
	// raw. It does not keep raw. On error the row's content is undefined and
	// the error is a *types.Error saying what is wrong with the record.
	Decode(raw []byte, row []types.Datum) error
}

// Encoder writes one row as a record.
type Encoder interface {
	// Encode appends the record for row to buf, without a record separator,
	// and returns the extended buffer.
	Encode(buf []byte, row []types.Datum) []byte
}
