package storage

import "testing"

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		bad  bool
	}{
		{in: "0", want: 0},
		{in: "1048576", want: 1 << 20},
		{in: "256MiB", want: 256 << 20},
		{in: "256 mib", want: 256 << 20},
		{in: "1.5GiB", want: 3 << 29},
		{in: "500MB", want: 500e6},
		{in: "2KB", want: 2000},
		{in: "7B", want: 7},
		{in: "", bad: true},
		{in: "MiB", bad: true},
		{in: "-1MiB", bad: true},
		{in: "12 parsecs", bad: true},
		{in: "1e30TB", bad: true},
	} {
		got, err := ParseSize(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseSize(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for _, tc := range []struct {
		in   uint64
		want string
	}{
		{0, "0 MiB"},
		{(1 << 20) - 1, "0 MiB"},
		{256 << 20, "256 MiB"},
		{(10 << 30) - 1, "10239 MiB"},
		{15 << 29, "7680 MiB"},
		{25 << 29, "12.5 GiB"},
	} {
		if got := FormatSize(tc.in); got != tc.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
