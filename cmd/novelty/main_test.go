package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr string
		wantOut string
	}{
		{args: []string{"--help"}, wantOut: "novelty serve [flags]"},
		{args: []string{}, wantErr: "missing command", wantOut: "Usage:"},
		{args: []string{"bogus"}, wantErr: `unknown command "bogus"`},
		{args: []string{"serve", "--help"}, wantOut: "-data-dir string"},
		{args: []string{"serve", "--log-level", "loud"}, wantErr: `invalid --log-level "loud"`},
		{args: []string{"serve", "--nope"}, wantErr: "flag provided but not defined: -nope"},
	} {
		var out, errOut bytes.Buffer
		err := run(tc.args, &out, &errOut)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%v: unexpected error %v", tc.args, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
		}
		if all := out.String() + errOut.String(); !strings.Contains(all, tc.wantOut) {
			t.Errorf("%v: output %q does not contain %q", tc.args, all, tc.wantOut)
		}
	}
}
