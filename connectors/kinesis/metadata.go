package kinesis

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/novelty-db/novelty/types"
)

// MetadataField is a part of a record's envelope a column can hold.
type MetadataField uint8

// The metadata fields, named in METADATA FROM by MetadataKeys.
const (
	MetaPartitionKey MetadataField = iota
	MetaSequenceNumber
	MetaShardID
	MetaArrivalTime
)

// MetadataKeys are the keys of the fields, indexed by MetadataField.
var MetadataKeys = []string{"partition_key", "sequence_number", "shard_id", "arrival_time"}

// MetadataColumn is a column filled from the record's envelope.
type MetadataColumn struct {
	Column int
	Type   types.Type
	Field  MetadataField
}

// NewMetadataColumn checks that column col (at index) can hold the field
// key names: text or varchar for the key, sequence number and shard id,
// timestamptz or timestamp for the arrival time.
func NewMetadataColumn(index int, col types.Column, key string) (MetadataColumn, error) {
	for f, k := range MetadataKeys {
		if k != key {
			continue
		}
		m := MetadataColumn{Column: index, Type: col.Type, Field: MetadataField(f)}
		want := "text or varchar"
		ok := col.Type == types.Text || col.Type == types.Varchar
		if m.Field == MetaArrivalTime {
			want = "timestamptz or timestamp"
			ok = col.Type == types.TimestampTZ || col.Type == types.Timestamp
		}
		if !ok {
			return MetadataColumn{}, types.Errorf(types.CodeDatatypeMismatch,
				"column %q holds metadata %q and must be %s, not %s", col.Name, key, want, col.Type)
		}
		return m, nil
	}
	return MetadataColumn{}, types.Errorf(types.CodeInvalidParameterValue, "column %q: kinesis has no metadata %q", col.Name, key)
}

// fillMetadata sets the metadata columns of row from record r of shard.
func fillMetadata(cols []MetadataColumn, row []types.Datum, shard string, r *ktypes.Record) {
	for _, m := range cols {
		switch m.Field {
		case MetaPartitionKey:
			row[m.Column] = types.NewString(m.Type, aws.ToString(r.PartitionKey))
		case MetaSequenceNumber:
			row[m.Column] = types.NewString(m.Type, aws.ToString(r.SequenceNumber))
		case MetaShardID:
			row[m.Column] = types.NewString(m.Type, shard)
		case MetaArrivalTime:
			row[m.Column] = types.Null
			if r.ApproximateArrivalTimestamp != nil {
				row[m.Column] = types.Datum{Typ: m.Type, I: r.ApproximateArrivalTimestamp.UnixMicro()}
			}
		}
	}
}
