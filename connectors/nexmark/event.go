package nexmark

import (
	"math"
	"strconv"
)

// Person is a person event: someone who sells or bids. Times are
// microseconds since the Unix epoch, at millisecond granularity.
type Person struct {
	ID           int64
	Name         string
	EmailAddress string
	CreditCard   string
	City         string
	State        string
	DateTime     int64
	Extra        string
}

// Auction is an auction event: an item put up for sale.
type Auction struct {
	ID          int64
	ItemName    string
	Description string
	InitialBid  int64
	Reserve     int64
	DateTime    int64
	Expires     int64
	Seller      int64
	Category    int64
	Extra       string
}

// Bid is a bid event: an offer on an auction.
type Bid struct {
	Auction  int64
	Bidder   int64
	Price    int64
	Channel  string
	URL      string
	DateTime int64
	Extra    string
}

// TableOf returns the table event n belongs to.
func TableOf(n int64) Table {
	switch rem := n % proportionDenominator; {
	case rem < personProportion:
		return TablePerson
	case rem < personProportion+auctionProportion:
		return TableAuction
	}
	return TableBid
}

// NextOf returns the first event number at or after n that belongs to t.
func NextOf(t Table, n int64) int64 {
	rem := n % proportionDenominator
	epochStart := n - rem
	switch t {
	case TablePerson:
		if rem < personProportion {
			return n
		}
		return epochStart + proportionDenominator
	case TableAuction:
		switch {
		case rem < personProportion:
			return epochStart + personProportion
		case rem < personProportion+auctionProportion:
			return n
		}
		return epochStart + proportionDenominator + personProportion
	}
	if rem < personProportion+auctionProportion {
		return epochStart + personProportion + auctionProportion
	}
	return n
}

// Generator computes events by number. Event n depends only on n and the
// GeneratorConfig, never on which events were generated before. A
// Generator is not safe for concurrent use.
type Generator struct {
	seed                 uint64
	jitterSeed           uint64
	baseMillis           int64
	rate                 int64
	maxJitterMs          int64
	hotChannels          []channel
	channels             []channel
	buf                  []byte // one event's strings before they become one string
	auctionHorizonEvents int64  // events until the auctions in flight are replaced
}

// jitterSalt separates the jitter stream from the event streams.
const jitterSalt = 0x6a6974746572 // "jitter"

// NewGenerator returns a generator for cfg.
func NewGenerator(cfg GeneratorConfig) *Generator {
	rate := cfg.Rate
	if rate <= 0 {
		rate = DefaultEventRate
	}
	base := cfg.BaseTime
	if base.IsZero() {
		base = DefaultBaseTime
	}
	return &Generator{
		seed:                 uint64(cfg.Seed),
		jitterSeed:           uint64(cfg.Seed) ^ jitterSalt,
		baseMillis:           base.UnixMilli(),
		rate:                 rate,
		maxJitterMs:          cfg.MaxOutOfOrder.Milliseconds(),
		hotChannels:          hotChannels(),
		channels:             channels(),
		auctionHorizonEvents: inFlightAuctions * proportionDenominator / auctionProportion,
	}
}

// scheduledMillis is event n's time before jitter: the base time plus n
// inter-event delays of 1/rate seconds, rounded to the millisecond.
func (g *Generator) scheduledMillis(n int64) int64 {
	return g.baseMillis + (2000*n+g.rate)/(2*g.rate)
}

// EventTime returns event n's time in microseconds since the Unix epoch.
func (g *Generator) EventTime(n int64) int64 {
	ms := g.scheduledMillis(n)
	if g.maxJitterMs > 0 {
		r := newRNG(g.jitterSeed, uint64(n))
		ms -= r.intn(g.maxJitterMs + 1)
	}
	return ms * 1000
}

// Person fills p with event n, which must be a person event.
func (g *Generator) Person(n int64, p *Person) {
	r := newRNG(g.seed, uint64(n))
	name := fullNames[r.intn(int64(len(firstNames)))*int64(len(lastNames))+r.intn(int64(len(lastNames)))]
	buf := r.appendLetters(g.buf[:0], 7)
	buf = append(buf, '@')
	buf = r.appendLetters(buf, 5)
	buf = append(buf, ".com"...)
	emailEnd := len(buf)
	for i := range 4 {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = appendFourDigits(buf, r.intn(10_000))
	}
	cardEnd := len(buf)
	city := usCities[r.intn(int64(len(usCities)))]
	state := usStates[r.intn(int64(len(usStates)))]
	size := 8 + len(name) + cardEnd + len(city) + len(state)
	buf = appendExtra(buf, &r, size, avgPersonBytes)
	s := string(buf)
	g.buf = buf
	*p = Person{
		ID:           personLastID(n) + firstPersonID,
		Name:         name,
		EmailAddress: s[:emailEnd],
		CreditCard:   s[emailEnd:cardEnd],
		City:         city,
		State:        state,
		DateTime:     g.EventTime(n),
		Extra:        s[cardEnd:],
	}
}

// Auction fills a with event n, which must be an auction event.
func (g *Generator) Auction(n int64, a *Auction) {
	const itemLen, descLen = 20, 100
	r := newRNG(g.seed, uint64(n))
	buf := r.appendLetters(g.buf[:0], itemLen+descLen)
	initialBid := price(&r)
	reserve := initialBid + price(&r)
	dateTime := g.EventTime(n)
	expires := dateTime + 1000*g.auctionDuration(n, &r)
	var seller int64
	if r.intn(hotSellerRatio) > 0 {
		seller = personLastID(n) / hotIDSpacing * hotIDSpacing
	} else {
		seller = personNextID(n, &r)
	}
	category := firstCategoryID + r.intn(numCategories)
	buf = appendExtra(buf, &r, 8+itemLen+descLen+5*8, avgAuctionBytes)
	s := string(buf)
	g.buf = buf
	*a = Auction{
		ID:          auctionLastID(n) + firstAuctionID,
		ItemName:    s[:itemLen],
		Description: s[itemLen : itemLen+descLen],
		InitialBid:  initialBid,
		Reserve:     reserve,
		DateTime:    dateTime,
		Expires:     expires,
		Seller:      seller + firstPersonID,
		Category:    category,
		Extra:       s[itemLen+descLen:],
	}
}

// auctionDuration is how long, in milliseconds, auction event n runs:
// uniform over twice the event time it takes to create inFlightAuctions
// more auctions, so about that many are open at any time.
func (g *Generator) auctionDuration(n int64, r *rng) int64 {
	horizon := g.scheduledMillis(n+g.auctionHorizonEvents) - g.scheduledMillis(n)
	return 1 + r.intn(max(2*horizon, 1))
}

// Bid fills b with event n, which must be a bid event.
func (g *Generator) Bid(n int64, b *Bid) {
	r := newRNG(g.seed, uint64(n))
	var auction, bidder int64
	if r.intn(hotAuctionRatio) > 0 {
		auction = auctionLastID(n) / hotIDSpacing * hotIDSpacing
	} else {
		auction = auctionNextID(n, &r)
	}
	if r.intn(hotBidderRatio) > 0 {
		bidder = personLastID(n)/hotIDSpacing*hotIDSpacing + 1
	} else {
		bidder = personNextID(n, &r)
	}
	bidPrice := price(&r)
	var ch channel
	if r.intn(hotChannelRatio) > 0 {
		ch = g.hotChannels[r.intn(int64(len(g.hotChannels)))]
	} else {
		ch = g.channels[r.intn(int64(len(g.channels)))]
	}
	buf := appendExtra(g.buf[:0], &r, 4*8, avgBidBytes)
	g.buf = buf
	*b = Bid{
		Auction:  auction + firstAuctionID,
		Bidder:   bidder + firstPersonID,
		Price:    bidPrice,
		Channel:  ch.name,
		URL:      ch.url,
		DateTime: g.EventTime(n),
		Extra:    string(buf),
	}
}

// personLastID is the 0-based id of the last person created at or before
// event n.
func personLastID(n int64) int64 {
	epoch := n / proportionDenominator
	offset := min(n%proportionDenominator, personProportion-1)
	return epoch*personProportion + offset
}

// personNextID picks a person for event n among the activePeople most
// recent ones, or a few not yet created.
func personNextID(n int64, r *rng) int64 {
	people := personLastID(n) + 1
	active := min(people, activePeople)
	return people - active + r.intn(active+personIDLead)
}

// auctionLastID is the 0-based id of the last auction created at or before
// event n (n must not be in the first epoch's person slot).
func auctionLastID(n int64) int64 {
	epoch := n / proportionDenominator
	offset := n % proportionDenominator
	switch {
	case offset < personProportion:
		epoch--
		offset = auctionProportion - 1
	case offset >= personProportion+auctionProportion:
		offset = auctionProportion - 1
	default:
		offset -= personProportion
	}
	return epoch*auctionProportion + offset
}

// auctionNextID picks an auction for event n among the inFlightAuctions
// most recent ones, or a few not yet created.
func auctionNextID(n int64, r *rng) int64 {
	maxID := auctionLastID(n)
	minID := max(maxID-inFlightAuctions, 0)
	return minID + r.intn(maxID-minID+1+auctionIDLead)
}

// ln10x6 scales a uniform draw to six decades of prices.
var ln10x6 = 6 * math.Ln10

// price is a price in cents, log-uniform between 1 and 1,000,000 dollars.
func price(r *rng) int64 {
	return int64(math.Round(math.Exp(r.float64()*ln10x6) * 100))
}

// appendExtra appends the padding that brings an event of size bytes to
// avg bytes on average: a length uniform within ±20% of the gap.
func appendExtra(dst []byte, r *rng, size, avg int) []byte {
	if size > avg {
		return dst
	}
	gap := avg - size
	delta := (gap + 2) / 5
	n := gap - delta
	if delta > 0 {
		n += int(r.intn(int64(2 * delta)))
	}
	return r.appendLetters(dst, n)
}

// appendFourDigits appends v (0..9999) zero-padded to four digits.
func appendFourDigits(dst []byte, v int64) []byte {
	switch {
	case v < 10:
		dst = append(dst, "000"...)
	case v < 100:
		dst = append(dst, "00"...)
	case v < 1000:
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, v, 10)
}
