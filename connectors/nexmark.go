package connectors

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/novelty-db/novelty/connectors/internal/wait"
	"github.com/novelty-db/novelty/connectors/nexmark"
	"github.com/novelty-db/novelty/types"
)

// NexmarkConnector is the name of the Nexmark generator source.
const NexmarkConnector = "nexmark"

// NexmarkSource returns the factory of the nexmark source: one table of the
// Nexmark benchmark's auction stream. When the source declares no columns
// the engine takes them from nexmark.Schema(table); declared columns must be
// a subset of the table's by name, with matching types.
func NexmarkSource() SourceFactory {
	return SourceFactory{
		Name: NexmarkConnector,
		Options: []OptionSpec{
			{Name: "table", Required: true, Allowed: []string{"bid", "auction", "person"}, Doc: "which Nexmark table the source yields"},
			{Name: "events", Default: "0", Doc: "events in the whole stream, all tables together; 0 is unbounded"},
			{Name: "rate", Default: "0", Doc: "events per second of the whole stream, in event time and in real time; 0 emits as fast as possible with event times 10,000 a second apart"},
			{Name: "seed", Default: "0", Doc: "seed of every random choice; the same seed gives the same events"},
			{Name: "max_out_of_order", Default: "0", Doc: "move event times back by up to this much: milliseconds, or a duration such as '5s'"},
			{Name: "base_time", Default: "2015-07-15 00:00:00", Doc: "the event time of the first event"},
		},
		New:    newNexmarkSource,
		Schema: func(opts map[string]string) (types.Schema, error) { return nexmark.Schema(opts["table"]) },
	}
}

var _ Source = (*nexmark.Source)(nil)

func newNexmarkSource(cfg SourceConfig) (Source, error) {
	table, err := nexmark.ParseTable(cfg.Options["table"])
	if err != nil {
		return nil, err
	}
	events, err := intOption(cfg.Options, "events", 0)
	if err != nil {
		return nil, err
	}
	rate, err := rateOption(cfg.Options)
	if err != nil {
		return nil, err
	}
	seed, err := intOption(cfg.Options, "seed", math.MinInt64)
	if err != nil {
		return nil, err
	}
	jitter, err := millisOption(cfg.Options, "max_out_of_order")
	if err != nil {
		return nil, err
	}
	base := nexmark.DefaultBaseTime
	if v := cfg.Options["base_time"]; v != "" {
		d, err := types.ParseText(types.Timestamp, v, time.UTC)
		if err != nil {
			return nil, types.Errorf(types.CodeInvalidParameterValue,
				"invalid value %q for option %q: want a timestamp such as '2015-07-15 00:00:00'", v, "base_time")
		}
		base = time.UnixMicro(d.I).UTC()
	}
	nc := nexmark.Config{
		GeneratorConfig: nexmark.GeneratorConfig{Seed: seed, Rate: rate, MaxOutOfOrder: jitter, BaseTime: base},
		Table:           table,
		Columns:         cfg.Schema,
		Events:          events,
	}
	if rate > 0 {
		nc.Pacer = newRatePacer(rate, cfg.now)
	}
	return nexmark.NewSource(nc)
}

// intOption reads an integer option of at least minValue; absent is 0.
func intOption(options map[string]string, name string, minValue int64) (int64, error) {
	v, ok := options[name]
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < minValue {
		want := "a whole number"
		if minValue == 0 {
			want = "a whole number, 0 or more"
		}
		return 0, types.Errorf(types.CodeInvalidParameterValue, "invalid value %q for option %q: want %s", v, name, want)
	}
	return n, nil
}

// maxRate bounds the rate option, keeping the pacer's arithmetic in range.
const maxRate = 1_000_000_000

// rateOption reads the rate option: rows or events per second, 0 for as
// fast as possible.
func rateOption(options map[string]string) (int64, error) {
	rate, err := intOption(options, "rate", 0)
	if err == nil && rate > maxRate {
		err = types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: at most %d per second", options["rate"], "rate", maxRate)
	}
	return rate, err
}

// millisOption reads a non-negative duration option given as whole
// milliseconds ('250') or as a duration ('5s', '1m30s'); absent is 0.
func millisOption(options map[string]string, name string) (time.Duration, error) {
	v := options[name]
	if v == "" {
		return 0, nil
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms >= 0 && ms <= math.MaxInt64/int64(time.Millisecond) {
		return time.Duration(ms) * time.Millisecond, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d, nil
	}
	return 0, types.Errorf(types.CodeInvalidParameterValue,
		"invalid value %q for option %q: want milliseconds or a duration such as '5s'", v, name)
}

// ratePacer lets positions (event or row numbers) through at rate per
// second of clock time, counted from its first Due. Its notion of now is
// the later of the clock and the time it last slept until, so a clock that
// does not move (a test's fixed clock) still lets rows through at the
// pace of the sleeps. A reader that falls behind catches up in full
// batches. It serves the generator sources: nexmark and datagen.
type ratePacer struct {
	rate  int64
	clock func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	started bool
	start   time.Time // when position first was due
	first   int64
	awake   time.Time // the time the last sleep lasted until
}

func newRatePacer(rate int64, clock func() time.Time) *ratePacer {
	return &ratePacer{rate: rate, clock: clock, sleep: wait.Sleep}
}

// Due implements nexmark.Pacer and datagen.Pacer.
func (p *ratePacer) Due(ctx context.Context, next int64) (int64, error) {
	if !p.started {
		p.start, p.first, p.started = p.now(), next, true
	}
	for {
		now := p.now()
		if bound := p.first + p.positionsIn(now.Sub(p.start)) + 1; bound > next {
			return bound, nil
		}
		at := p.start.Add(p.durationOf(next - p.first))
		if err := p.sleep(ctx, at.Sub(now)); err != nil {
			return 0, err
		}
		p.awake = at
	}
}

func (p *ratePacer) now() time.Time {
	if t := p.clock(); t.After(p.awake) {
		return t
	}
	return p.awake
}

// positionsIn is how many whole positions pass in d.
func (p *ratePacer) positionsIn(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64(d/time.Second)*p.rate + int64(d%time.Second)*p.rate/int64(time.Second)
}

// durationOf is how long k positions take, rounded up to the nanosecond.
func (p *ratePacer) durationOf(k int64) time.Duration {
	whole := time.Duration(k/p.rate) * time.Second
	return whole + time.Duration((k%p.rate*int64(time.Second)+p.rate-1)/p.rate)
}
