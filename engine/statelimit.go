package engine

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/planner"
	"github.com/novelty-db/novelty/types"
)

// maxStateOption bounds the memory a stream's operator state (open
// windows, interval join buffers) may hold.
const (
	maxStateOption  = "max_state"
	defaultMaxState = "1GB"
)

// byteUnits are the units a size option takes, case-insensitively. As in
// Postgres's memory settings, kB, MB, GB and TB are powers of 1024, the
// same as KiB, MiB, GiB and TiB.
var byteUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1 << 10, "kib": 1 << 10,
	"mb": 1 << 20, "mib": 1 << 20,
	"gb": 1 << 30, "gib": 1 << 30,
	"tb": 1 << 40, "tib": 1 << 40,
}

// parseByteSize reads a size option: a whole number of bytes with an
// optional unit ('512MB', '64 kB', '1GiB', '1048576'); '0' means no limit.
func parseByteSize(name, v string) (int64, error) {
	s := strings.TrimSpace(v)
	digits := 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	n, err := strconv.ParseInt(s[:digits], 10, 64)
	unit, known := byteUnits[strings.ToLower(strings.TrimSpace(s[digits:]))]
	if digits == 0 || err != nil || !known || n > math.MaxInt64/unit {
		return 0, types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: expected a size such as '512MB', '64kB', '1GiB' or '0' for no limit", v, name)
	}
	return n * unit, nil
}

// formatBytes shows a size in the largest binary unit it reaches, to one
// decimal ("612.4 MiB", "64 KiB", "900 bytes").
func formatBytes(n int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	if n < 1<<10 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	v, unit := float64(n)/(1<<10), units[0]
	for _, u := range units[1:] {
		if v < 1<<10 {
			break
		}
		v, unit = v/(1<<10), u
	}
	return strconv.FormatFloat(math.Floor(v*10)/10, 'f', -1, 64) + " " + unit
}

// stateLimit stops a stream whose operator state outgrows its max_state,
// before the process runs out of memory. It opens the stream's scans
// wrapped: after each batch a scan reads, the pipeline's state size is
// compared with the limit, and when over it the scan returns the error,
// which the operators pass up to the driver, which stops the stream. The
// check sits where input arrives rather than where output leaves because
// an operator taking rows into open windows returns nothing to the driver
// for as long as the windows stay open.
type stateLimit struct {
	stream string
	limit  int64 // bytes; 0: no limit
	scans  exec.ScanOpener
	// pipe is the stream's pipeline, set once built and before it runs.
	pipe *exec.Pipeline
}

var _ exec.ScanOpener = (*stateLimit)(nil)

func (l *stateLimit) OpenScan(n *planner.Scan) (exec.Operator, error) {
	op, err := l.scans.OpenScan(n)
	if err != nil || l.limit <= 0 {
		return op, err
	}
	return &limitedScan{Operator: op, limit: l}, nil
}

// watch starts checking pipe, the pipeline built over the scans.
func (l *stateLimit) watch(pipe *exec.Pipeline) { l.pipe = pipe }

// check returns the 54000 error when the pipeline's state is over the
// limit. The size read lags by at most a batch per operator. It runs only
// once the stream runs, so after watch.
func (l *stateLimit) check() error {
	if held := l.pipe.StateBytes(); held > l.limit {
		return stateLimitExceeded(l.stream, held, l.limit)
	}
	return nil
}

// stateLimitExceeded is the error of a stream holding held bytes of state
// over its limit.
func stateLimitExceeded(stream string, held, limit int64) *types.Error {
	return types.Errorf(types.CodeProgramLimitExceeded, "stream %q holds %s of state, over its %s of %s",
		stream, formatBytes(held), maxStateOption, formatBytes(limit)).
		WithHint("Recreate the stream with a larger %s, or make it keep less: shorter windows or join intervals, "+
			"fewer or smaller group keys, a WATERMARK on its sources that advances, a smaller allowed_lateness.", maxStateOption)
}

// limitedScan is a stream's scan checking the state limit after each
// batch it reads.
type limitedScan struct {
	exec.Operator
	limit *stateLimit
}

func (s *limitedScan) Next(ctx context.Context, b *types.Batch) error {
	if err := s.Operator.Next(ctx, b); err != nil {
		return err
	}
	return s.limit.check()
}
