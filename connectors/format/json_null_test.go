package format

import (
	"testing"

	"github.com/novelty-db/novelty/types"
)

// TestJSONDecodeNullsStaleRow checks that Decode leaves no value of a
// reused row behind: columns the record lacks, columns past the schema and,
// after an error, columns not reached yet read NULL.
func TestJSONDecodeNullsStaleRow(t *testing.T) {
	d, err := NewJSONDecoder(eventSchema, JSONConfig{})
	if err != nil {
		t.Fatal(err)
	}
	stale := types.NewString(types.Text, "stale")
	for _, c := range []struct {
		record  string
		want    []types.Datum
		wantErr bool
	}{
		{record: `{"id":1}`, want: []types.Datum{types.NewInt(1), types.Null, types.Null, types.Null, types.Null}},
		{record: `{"action":"fail","ID":2}`, want: []types.Datum{types.NewInt(2), types.Null, types.NewString(types.Varchar, "fail"), types.Null, types.Null}},
		{record: `{"id":null,"amount":1.5}`, want: []types.Datum{types.Null, types.Null, types.Null, types.NewFloat(1.5), types.Null}},
		{record: `{"id":3,"user_name":}`, wantErr: true, want: []types.Datum{types.NewInt(3), types.Null, types.Null, types.Null, types.Null}},
		{record: ``, wantErr: true, want: []types.Datum{types.Null, types.Null, types.Null, types.Null, types.Null}},
	} {
		row := []types.Datum{stale, stale, stale, stale, stale}
		err := d.Decode([]byte(c.record), row)
		if (err != nil) != c.wantErr {
			t.Fatalf("%s: error %v, want error %v", c.record, err, c.wantErr)
		}
		for i := range row {
			if row[i] != c.want[i] {
				t.Errorf("%s: column %d is %+v, want %+v", c.record, i, row[i], c.want[i])
			}
		}
	}
}
