package novelty

import "unsafe"

// prefetch asks the CPU to start loading the cache line holding addr into
// its caches and returns at once. It is only a hint: it never faults and
// changes nothing a program can observe. A plain load would do the same
// but stall the CPU once its instruction window fills behind the miss,
// while a prefetch retires at once.
//
//go:noescape
func prefetch(addr unsafe.Pointer)
