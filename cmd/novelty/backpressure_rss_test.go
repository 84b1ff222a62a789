package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// rssSample is one reading of a process's resident set size.
type rssSample struct {
	at  time.Time
	rss int64 // bytes
}

// rssSampler reads a process's VmRSS from /proc every interval until
// stopped, so a test can bound the memory of a server it started.
type rssSampler struct {
	pid      int
	interval time.Duration
	stop     chan struct{}
	done     chan struct{}

	mu      sync.Mutex
	samples []rssSample
	err     error // the first failed reading; sampling ends there
}

func startRSSSampler(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, interval: interval, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

func (s *rssSampler) run() {
	defer close(s.done)
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	for {
		rss, err := readRSS(s.pid)
		s.mu.Lock()
		if err != nil {
			s.err = err
			s.mu.Unlock()
			return
		}
		s.samples = append(s.samples, rssSample{at: time.Now(), rss: rss})
		s.mu.Unlock()
		select {
		case <-s.stop:
			return
		case <-tick.C:
		}
	}
}

// finish stops sampling and returns every sample taken, or the reading
// that failed.
func (s *rssSampler) finish() ([]rssSample, error) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples, s.err
}

// peakSince returns the largest sample taken at or after from (0 when
// there is none).
func (s *rssSampler) peakSince(from time.Time) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return peakRSS(s.samples, from, time.Time{})
}

// peakRSS is the largest sample taken in [from, to); a zero to is open.
func peakRSS(samples []rssSample, from, to time.Time) int64 {
	var peak int64
	for _, x := range samples {
		if x.at.Before(from) || !to.IsZero() && !x.at.Before(to) {
			continue
		}
		peak = max(peak, x.rss)
	}
	return peak
}

// readRSS returns the VmRSS of process pid in bytes.
func readRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range bytes.Split(status, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte("kB")))), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status: VmRSS %q: %w", pid, rest, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS line", pid)
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }
