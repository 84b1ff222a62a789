package storage

import "errors"

// ErrCorrupt is wrapped by every error that reports stored bytes which do
// not decode: a truncated value, an unknown type tag, a malformed key.
var ErrCorrupt = errors.New("storage: corrupt data")
