package connectors

import (
	"math"
	"time"

	"github.com/novelty-db/novelty/connectors/datagen"
)

// DatagenConnector is the name of the random-row generator source.
const DatagenConnector = "datagen"

// DatagenSource returns the factory of the datagen source: rows of random
// or sequential values for the declared columns. Per-column options
// fields.<column>.<attribute> (kind, min, max, length, values, weights)
// are read by datagen.ParseFields from the resolved options.
func DatagenSource() SourceFactory {
	return SourceFactory{
		Name: DatagenConnector,
		Options: []OptionSpec{
			{Name: "rows", Default: "0", Doc: "how many rows to generate; 0 is unbounded"},
			{Name: "rate", Default: "0", Doc: "rows per second in real time; 0 emits as fast as possible. Timestamp columns advance by 1/rate (else 1 ms) per row"},
			{Name: "seed", Default: "0", Doc: "seed of every random value; the same seed gives the same rows"},
			{Name: datagen.FieldOptionPrefix, Prefix: true, Doc: "fields.<column>.kind|min|max|length|values|weights"},
		},
		New: newDatagenSource,
	}
}

var _ Source = (*datagen.Source)(nil)

func newDatagenSource(cfg SourceConfig) (Source, error) {
	rows, err := intOption(cfg.Options, "rows", 0)
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
	fields, err := datagen.ParseFields(cfg.Schema, cfg.Options)
	if err != nil {
		return nil, err
	}
	dc := datagen.Config{Columns: cfg.Schema, Fields: fields, Rows: rows, Seed: seed, Clock: cfg.now}
	if rate > 0 {
		dc.TimeStep = time.Second / time.Duration(rate)
		dc.Pacer = newRatePacer(rate, cfg.now)
	}
	return datagen.NewSource(dc)
}
