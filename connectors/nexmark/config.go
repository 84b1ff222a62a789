package nexmark

import (
	"time"

	"github.com/novelty-db/novelty/types"
)

// Table is one of the three Nexmark event kinds, each a table of its own.
type Table uint8

// The Nexmark tables, in the order their events come within an epoch.
const (
	TablePerson Table = iota
	TableAuction
	TableBid
)

var tableNames = [...]string{TablePerson: "person", TableAuction: "auction", TableBid: "bid"}

func (t Table) String() string { return tableNames[t] }

// ParseTable reads a table name: person, auction or bid.
func ParseTable(name string) (Table, error) {
	for t, n := range tableNames {
		if n == name {
			return Table(t), nil
		}
	}
	return 0, types.Errorf(types.CodeInvalidParameterValue,
		"invalid value %q for option %q: allowed values are bid, auction, person", name, "table")
}

// The constants of the Nexmark generator (its defaults in nexmark-rs and
// Beam's NexmarkConfiguration).
const (
	// Of every proportionDenominator events, personProportion are people,
	// then auctionProportion auctions, then bidProportion bids.
	personProportion      = 1
	auctionProportion     = 3
	bidProportion         = 46
	proportionDenominator = personProportion + auctionProportion + bidProportion

	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5

	// activePeople bounds the people new auctions and bids pick from;
	// personIDLead lets a bid name a person not yet created.
	activePeople = 1000
	personIDLead = 10
	// inFlightAuctions is how many recent auctions bids pick from;
	// auctionIDLead lets a bid name an auction not yet created.
	inFlightAuctions = 100
	auctionIDLead    = 10

	// One in hot*Ratio picks is ordinary; the others go to a hot entity:
	// the most recent id rounded down to a multiple of hotIDSpacing.
	hotSellerRatio  = 4
	hotAuctionRatio = 2
	hotBidderRatio  = 4
	hotChannelRatio = 2
	hotIDSpacing    = 100

	// The average sizes, in bytes, extra pads each event to.
	avgPersonBytes  = 200
	avgAuctionBytes = 500
	avgBidBytes     = 100
)

// DefaultEventRate is the event-time rate, in events per second, of a
// stream whose rate is not set: Nexmark's default of 10,000.
const DefaultEventRate = 10_000

// DefaultBaseTime is the event time of event 0 unless configured.
var DefaultBaseTime = time.Date(2015, 7, 15, 0, 0, 0, 0, time.UTC)

// GeneratorConfig fixes everything an event depends on besides its number.
type GeneratorConfig struct {
	// Seed varies every random choice; the same seed gives the same events.
	Seed int64
	// Rate is the stream's rate in event time, events per second, across
	// all tables; 0 means DefaultEventRate. It spaces event times only.
	Rate int64
	// MaxOutOfOrder moves each event's time back by a pseudo-random amount
	// in [0, MaxOutOfOrder], at millisecond granularity; 0 keeps event
	// times monotone.
	MaxOutOfOrder time.Duration
	// BaseTime is the event time of event 0; the zero time means
	// DefaultBaseTime.
	BaseTime time.Time
}
