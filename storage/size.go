package storage

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes ParseSize accepts, longest first so "MiB"
// is not read as "B".
var sizeUnits = []struct {
	suffix string
	bytes  uint64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// ParseSize reads a byte count such as "256MiB", "1.5GiB", "500MB" or
// "1048576" (bytes). Units are case-insensitive; a space before the unit
// is allowed.
func ParseSize(s string) (uint64, error) {
	text := strings.TrimSpace(s)
	unit := uint64(1)
	for _, u := range sizeUnits {
		if len(text) >= len(u.suffix) && strings.EqualFold(text[len(text)-len(u.suffix):], u.suffix) {
			text, unit = strings.TrimSpace(text[:len(text)-len(u.suffix)]), u.bytes
			break
		}
	}
	n, err := strconv.ParseFloat(text, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || n*float64(unit) >= math.MaxUint64 {
		return 0, fmt.Errorf("invalid size %q: use a byte count such as 256MiB, 1GiB or 500MB", s)
	}
	return uint64(n * float64(unit)), nil
}

// FormatSize renders a byte count for people: whole MiB below 10 GiB
// (rounded down, so "0 MiB free" means less than one), GiB with one
// decimal above.
func FormatSize(n uint64) string {
	if n >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
