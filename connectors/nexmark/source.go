// Package nexmark generates the Nexmark benchmark's auction stream: people,
// auctions and bids in the proportion 1:3:46, with Nexmark's hot sellers,
// auctions, bidders and channels, log-uniform prices, auction expiries and
// extra padding to the average event sizes, following the generator of
// nexmark-rs and Beam's Nexmark suite.
//
// Every event is a pure function of its number and the GeneratorConfig, so
// a reader can start anywhere: a Source's offset is the next event number.
// The package depends only on types; Source satisfies connectors.Source
// structurally.
package nexmark

import (
	"context"
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/novelty-db/novelty/types"
)

// Pacer holds emission back to a real-time rate.
type Pacer interface {
	// Due blocks until position next is due and returns the exclusive bound
	// of the positions due now (greater than next), or ctx's error.
	Due(ctx context.Context, next int64) (int64, error)
}

// Config configures a Source.
type Config struct {
	GeneratorConfig
	// Table selects the events the source yields; the others are skipped
	// but keep their numbers.
	Table Table
	// Columns are the declared columns, a subset of the table's in any
	// order; empty means all of the table's, in Schema order.
	Columns types.Schema
	// Events bounds the whole stream, all tables together: the source ends
	// with io.EOF after its last event below Events. 0 means unbounded.
	Events int64
	// Pacer, when set, paces emission by event number (of the whole
	// stream); nil emits as fast as Read is called.
	Pacer Pacer
}

// Source yields one table's events in event order.
type Source struct {
	cfg    Config
	gen    *Generator
	fields []int        // per output column, its field number in the table
	types  []types.Type // per output column, the declared type
	end    int64        // the first event number not generated
	next   int64        // the event number after the last one returned
	opened bool

	person  Person
	auction Auction
	bid     Bid
}

// NewSource returns an unopened source, or an error when cfg.Columns do not
// fit the table.
func NewSource(cfg Config) (*Source, error) {
	if cfg.Table > TableBid {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "unknown nexmark table %d", cfg.Table)
	}
	if cfg.Events < 0 {
		return nil, types.Errorf(types.CodeInvalidParameterValue, "nexmark events must not be negative, got %d", cfg.Events)
	}
	cols := cfg.Columns
	if len(cols) == 0 {
		cols = tableSchemas[cfg.Table]
	}
	fields, err := bindColumns(cfg.Table, cols)
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg, gen: NewGenerator(cfg.GeneratorConfig), fields: fields, end: cfg.Events}
	for _, c := range cols {
		s.types = append(s.types, c.Type)
	}
	if s.end == 0 {
		s.end = math.MaxInt64
	}
	return s, nil
}

// Open positions the source at the event number offset holds (nil: 0).
func (s *Source) Open(_ context.Context, offset []byte) error {
	s.next = 0
	if offset != nil {
		n, err := strconv.ParseInt(string(offset), 10, 64)
		if err != nil || n < 0 {
			return types.Errorf(types.CodeInvalidParameterValue, "nexmark source: invalid offset %q", offset)
		}
		s.next = n
	}
	s.opened = true
	return nil
}

// Read fills b with the table's next events, as many as are due (up to a
// full batch); it returns io.EOF once the bounded stream has no more.
func (s *Source) Read(ctx context.Context, b *types.Batch) error {
	if !s.opened {
		return errors.New("nexmark source: Read before Open")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.Reset(len(s.fields))
	n := NextOf(s.cfg.Table, s.next)
	if n >= s.end {
		s.next = s.end
		return io.EOF
	}
	limit := s.end
	if s.cfg.Pacer != nil {
		due, err := s.cfg.Pacer.Due(ctx, n)
		if err != nil {
			return err
		}
		limit = min(limit, due)
	}
	for n < limit && !b.Full() {
		s.fill(b.AppendRow(), n)
		s.next = n + 1
		n = NextOf(s.cfg.Table, s.next)
	}
	return nil
}

// Offset returns the next event number in decimal.
func (s *Source) Offset() []byte { return strconv.AppendInt(nil, s.next, 10) }

// Close implements connectors.Source; a generator holds nothing.
func (s *Source) Close() error { return nil }

func (s *Source) fill(row []types.Datum, n int64) {
	switch s.cfg.Table {
	case TablePerson:
		s.fillPerson(row, n)
	case TableAuction:
		s.fillAuction(row, n)
	default:
		s.fillBid(row, n)
	}
}

func (s *Source) fillPerson(row []types.Datum, n int64) {
	e := &s.person
	s.gen.Person(n, e)
	for j, f := range s.fields {
		t := s.types[j]
		switch f {
		case 0:
			row[j] = types.Datum{Typ: t, I: e.ID}
		case 1:
			row[j] = types.Datum{Typ: t, S: e.Name}
		case 2:
			row[j] = types.Datum{Typ: t, S: e.EmailAddress}
		case 3:
			row[j] = types.Datum{Typ: t, S: e.CreditCard}
		case 4:
			row[j] = types.Datum{Typ: t, S: e.City}
		case 5:
			row[j] = types.Datum{Typ: t, S: e.State}
		case 6:
			row[j] = types.Datum{Typ: t, I: e.DateTime}
		default:
			row[j] = types.Datum{Typ: t, S: e.Extra}
		}
	}
}

func (s *Source) fillAuction(row []types.Datum, n int64) {
	e := &s.auction
	s.gen.Auction(n, e)
	for j, f := range s.fields {
		t := s.types[j]
		switch f {
		case 0:
			row[j] = types.Datum{Typ: t, I: e.ID}
		case 1:
			row[j] = types.Datum{Typ: t, S: e.ItemName}
		case 2:
			row[j] = types.Datum{Typ: t, S: e.Description}
		case 3:
			row[j] = types.Datum{Typ: t, I: e.InitialBid}
		case 4:
			row[j] = types.Datum{Typ: t, I: e.Reserve}
		case 5:
			row[j] = types.Datum{Typ: t, I: e.DateTime}
		case 6:
			row[j] = types.Datum{Typ: t, I: e.Expires}
		case 7:
			row[j] = types.Datum{Typ: t, I: e.Seller}
		case 8:
			row[j] = types.Datum{Typ: t, I: e.Category}
		default:
			row[j] = types.Datum{Typ: t, S: e.Extra}
		}
	}
}

func (s *Source) fillBid(row []types.Datum, n int64) {
	e := &s.bid
	s.gen.Bid(n, e)
	for j, f := range s.fields {
		t := s.types[j]
		switch f {
		case 0:
			row[j] = types.Datum{Typ: t, I: e.Auction}
		case 1:
			row[j] = types.Datum{Typ: t, I: e.Bidder}
		case 2:
			row[j] = types.Datum{Typ: t, I: e.Price}
		case 3:
			row[j] = types.Datum{Typ: t, S: e.Channel}
		case 4:
			row[j] = types.Datum{Typ: t, S: e.URL}
		case 5:
			row[j] = types.Datum{Typ: t, I: e.DateTime}
		default:
			row[j] = types.Datum{Typ: t, S: e.Extra}
		}
	}
}
