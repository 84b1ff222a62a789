package engine

import (
	"context"
	"slices"
	"testing"
)

// TestReplayReachesEachStreamOnce: after a crash, the rows an INSERT-fed
// source took after the checkpoint reach every stream once: the stream
// the checkpoint covers gets them replayed, and a stream created after the
// checkpoint (which starts over, reading the source's retained rows) does
// not get them a second time.
func TestReplayReachesEachStreamOnce(t *testing.T) {
	r := openCheckpointRun(t, t.TempDir())
	run1(t, r.s, "CREATE SOURCE ev (n BIGINT)")
	run1(t, r.s, "CREATE STREAM covered AS SELECT n FROM ev")
	run1(t, r.s, "INSERT INTO ev VALUES (1), (2), (3)")
	r.waitRows("covered", 3)
	if err := r.e.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	run1(t, r.s, "CREATE STREAM uncovered AS SELECT n FROM ev")
	run1(t, r.s, "INSERT INTO ev VALUES (4), (5)")
	r.waitRows("covered", 5)
	r.waitRows("uncovered", 5)
	r.crash()

	r = openCheckpointRun(t, r.dir)
	defer r.close()
	r.waitRows("covered", 2)
	r.waitRows("uncovered", 5)
	// A row inserted now reaches both streams after anything replayed.
	run1(t, r.s, "INSERT INTO ev VALUES (6)")
	r.waitRows("covered", 3)
	r.waitRows("uncovered", 6)
	want := []string{"1", "2", "3", "4", "5", "6"}
	for _, name := range []string{"ev", "covered", "uncovered"} {
		got := run1(t, r.s, "SELECT n FROM "+name)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s holds %v, want %v (each row once)", name, got, want)
		}
	}
}
