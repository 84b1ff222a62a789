//go:build !amd64

package novelty

import "unsafe"

// prefetch is a hint (see prefetch_amd64.go) this architecture goes
// without.
func prefetch(unsafe.Pointer) {}
