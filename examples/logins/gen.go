// Command logins writes a deterministic stream of login events as JSON lines,
// the data of the novelty quickstart (README.md, "Novelty scoring in one
// minute"):
//
//	go run ./examples/logins -n 15000 > logins.jsonl
//
// Every user lives in one home city and always signs in from there, with the
// same mix of actions as everyone else. Late in the stream a few anomalies
// are planted (see planted): a user signing in from a country they never
// used, one from a country nobody used, and two actions nobody ever did.
// The same -n and -seed always give the same bytes.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

// place is a home city and the first two octets of its users' addresses.
type place struct {
	country, city string
	net           string
}

// places are the home cities; users are spread over them round-robin, so
// every city has about the same number of users.
var places = []place{
	{"DE", "Berlin", "10.1"}, {"DE", "Munich", "10.2"},
	{"FR", "Paris", "10.3"}, {"FR", "Lyon", "10.4"},
	{"GB", "London", "10.5"}, {"GB", "Manchester", "10.6"},
	{"US", "New York", "10.7"}, {"US", "Chicago", "10.8"},
	{"BR", "Sao Paulo", "10.9"}, {"BR", "Rio de Janeiro", "10.10"},
	{"JP", "Tokyo", "10.11"}, {"JP", "Osaka", "10.12"},
	{"IN", "Bangalore", "10.13"}, {"IN", "Mumbai", "10.14"},
	{"ES", "Madrid", "10.15"}, {"ES", "Barcelona", "10.16"},
}

// actions is the everyday mix, with weights in percent. The rarest one
// stays common enough (4%) that it is never novel by itself.
var actions = []struct {
	name   string
	weight int
}{
	{"login", 55}, {"logout", 35}, {"password_change", 6}, {"mfa_reset", 4},
}

// event is one line of output; the field order is the JSON key order.
type event struct {
	TS       string `json:"ts"`
	UserName string `json:"user_name"`
	Country  string `json:"country"`
	City     string `json:"city"`
	Action   string `json:"action"`
	SrcIP    string `json:"src_ip"`
}

// anomaly replaces the normal event at a position (a share of the stream,
// so every -n places it late) with something that never happened before.
type anomaly struct {
	at     float64
	user   int
	action string
	// country, city and net are a foreign place; "" keeps the user's home.
	country, city, net string
}

var planted = []anomaly{
	// A user of Berlin signs in from Tokyo: a country other users sign in
	// from, never this user.
	{at: 0.90, user: 0, action: "login", country: "JP", city: "Tokyo", net: "10.11"},
	// Someone exports everything: an action nobody ever did.
	{at: 0.93, user: 37, action: "export_all"},
	// A user of Paris signs in from a country nobody ever signed in from.
	{at: 0.96, user: 2, action: "login", country: "NG", city: "Lagos", net: "102.89"},
	// Someone deletes their account: another action nobody ever did.
	{at: 0.99, user: 121, action: "delete_account"},
}

const users = 200

func main() {
	n := flag.Int("n", 15000, "number of events")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := write(os.Stdout, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "logins:", err)
		os.Exit(1)
	}
}

// write emits n events generated from seed.
func write(f *os.File, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed))
	byPosition := make(map[int]anomaly, len(planted))
	for _, a := range planted {
		byPosition[int(a.at*float64(n))] = a
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	ts := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range n {
		user := rng.IntN(users)
		action := pickAction(rng)
		home := places[user%len(places)]
		country, city, ip := home.country, home.city, hostIP(home.net, user)
		if a, ok := byPosition[i]; ok {
			user, action = a.user, a.action
			home = places[user%len(places)]
			country, city, ip = home.country, home.city, hostIP(home.net, user)
			if a.country != "" {
				country, city, ip = a.country, a.city, fmt.Sprintf("%s.%d.%d", a.net, rng.IntN(256), 1+rng.IntN(254))
			}
		}
		ev := event{
			TS:       ts.Format(time.RFC3339),
			UserName: fmt.Sprintf("user%03d", user),
			Country:  country,
			City:     city,
			Action:   action,
			SrcIP:    ip,
		}
		if err := enc.Encode(ev); err != nil {
			return fmt.Errorf("writing event %d: %w", i, err)
		}
		ts = ts.Add(time.Duration(1+rng.IntN(40)) * time.Second)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing events: %w", err)
	}
	return nil
}

// pickAction draws an action from the everyday mix.
func pickAction(rng *rand.Rand) string {
	r := rng.IntN(100)
	for _, a := range actions {
		if r < a.weight {
			return a.name
		}
		r -= a.weight
	}
	return actions[0].name
}

// hostIP is a user's fixed address in their home network.
func hostIP(net string, user int) string {
	return fmt.Sprintf("%s.%d.%d", net, user/250, 1+user%250)
}
