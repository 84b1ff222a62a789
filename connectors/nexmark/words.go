package nexmark

import (
	"math/bits"
	"strconv"
	"sync"
)

// The word lists of the Nexmark generator.
var (
	firstNames = []string{"peter", "paul", "luke", "john", "saul", "vicky", "kate", "julie", "sarah", "deiter", "walter"}
	lastNames  = []string{"shultz", "abrams", "spencer", "white", "bartels", "walton", "smith", "jones", "noris"}
	usCities   = []string{"phoenix", "los angeles", "san francisco", "boise", "portland", "bend", "redmond", "seattle", "kent", "cheyenne"}
	usStates   = []string{"az", "ca", "id", "or", "wa", "wy"}
	// fullNames[i*len(lastNames)+j] is firstNames[i] + " " + lastNames[j],
	// built once so a person's name costs no allocation.
	fullNames = func() []string {
		out := make([]string, 0, len(firstNames)*len(lastNames))
		for _, f := range firstNames {
			for _, l := range lastNames {
				out = append(out, f+" "+l)
			}
		}
		return out
	}()
)

// channel is a bid channel and the URL that goes with it.
type channel struct{ name, url string }

const (
	// numChannels is the size of the table of ordinary channels.
	numChannels = 10_000
	// urlStream seeds the URL generator apart from event streams.
	urlStream = 0x75726c // "url"
)

var hotChannelNames = []string{"Google", "Facebook", "Baidu", "Apple"}

// hotChannels are the few channels most bids come through.
var hotChannels = sync.OnceValue(func() []channel {
	out := make([]channel, len(hotChannelNames))
	for i, name := range hotChannelNames {
		out[i] = channel{name: name, url: baseURL(uint64(i))}
	}
	return out
})

// channels is the table of ordinary channels: "channel-i" with a URL that
// mostly carries a channel_id. It is the same for every seed.
var channels = sync.OnceValue(func() []channel {
	out := make([]channel, numChannels)
	for i := range out {
		url := baseURL(uint64(i))
		r := newRNG(urlStream, uint64(i)<<1|1)
		if r.intn(10) > 0 {
			id := int64(int32(bits.Reverse32(uint32(i))))
			url += "&channel_id=" + strconv.FormatInt(max(id, -id), 10)
		}
		out[i] = channel{name: "channel-" + strconv.Itoa(i), url: url}
	}
	return out
})

// baseURL is the Nexmark item URL numbered seed: three path segments of 3
// or 4 letters, some of them underscores.
func baseURL(seed uint64) string {
	r := newRNG(urlStream, seed<<1)
	url := []byte("https://www.nexmark.com/")
	for seg := range 3 {
		if seg > 0 {
			url = append(url, '/')
		}
		for n := 3 + r.intn(2); n > 0; n-- {
			if r.intn(13) == 0 {
				url = append(url, '_')
			} else {
				url = append(url, 'a'+byte(r.intn(26)))
			}
		}
	}
	return string(append(url, "/item.htm?query=1"...))
}
