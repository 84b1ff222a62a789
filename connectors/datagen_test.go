package connectors

import (
	"context"
	"strings"
	"testing"

	"github.com/novelty-db/novelty/types"
)

var datagenSchema = types.Schema{
	{Name: "id", Type: types.Int8},
	{Name: "action", Type: types.Varchar},
	{Name: "ts", Type: types.Timestamp},
}

func TestDatagenFactory(t *testing.T) {
	fields := map[string]string{"fields.id.kind": "sequence", "fields.action.values": "login,logout"}
	src, err := newGeneratorSource(t, DatagenConnector, datagenSchema, fields, "connector", "datagen", "rows", "5", "seed", "9")
	if err != nil {
		t.Fatal(err)
	}
	rows := readRows(t, src)
	if len(rows) != 5 || !strings.HasPrefix(rows[0], "1|log") || !strings.HasSuffix(rows[0], "|2024-01-31 12:00:00") ||
		!strings.HasPrefix(rows[4], "5|log") || !strings.HasSuffix(rows[4], "|2024-01-31 12:00:00.004") {
		t.Errorf("rows = %q", rows)
	}

	paced, err := newGeneratorSource(t, DatagenConnector, datagenSchema, nil, "rate", "4")
	if err != nil {
		t.Fatal(err)
	}
	b := types.NewBatch(len(datagenSchema))
	if err := paced.Read(context.Background(), b); err != nil || b.Len != 1 {
		t.Errorf("first paced Read = %d rows, %v; want 1", b.Len, err)
	}
}

func TestDatagenFactoryErrors(t *testing.T) {
	for _, tt := range []struct {
		kv     []string
		fields map[string]string
		msg    string
	}{
		{[]string{"rows", "many"}, nil, `invalid value "many" for option "rows"`},
		{[]string{"rate", "-1"}, nil, `invalid value "-1" for option "rate"`},
		{[]string{"seed", "x"}, nil, `invalid value "x" for option "seed"`},
		{nil, map[string]string{"fields.id.kind": "normal"}, `invalid value "normal" for option "fields.id.kind"`},
		{nil, map[string]string{"fields.user.kind": "random"}, `option "fields.user.kind": the source has no column "user"`},
	} {
		_, err := newGeneratorSource(t, DatagenConnector, datagenSchema, tt.fields, tt.kv...)
		if err == nil || !strings.Contains(err.Error(), tt.msg) || types.CodeOf(err) != types.CodeInvalidParameterValue {
			t.Errorf("%v %v: %v, want a 22023 error containing %q", tt.kv, tt.fields, err, tt.msg)
		}
	}
}
