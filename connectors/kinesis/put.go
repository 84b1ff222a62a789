package kinesis

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/novelty-db/novelty/types"
)

// Kinesis' PutRecords limits.
const (
	// MaxRecordsPerRequest is the most records one PutRecords takes.
	MaxRecordsPerRequest = 500
	// MaxRequestBytes is the most data plus partition key bytes one
	// PutRecords takes.
	MaxRequestBytes = 5 << 20
	// MaxRecordBytes is the most data plus partition key bytes of one
	// record.
	MaxRecordBytes = 1 << 20
	// MaxPartitionKeyChars is the longest partition key, in characters.
	MaxPartitionKeyChars = 256
)

// PutRecordsFunc sends one PutRecords request; (*kinesis.Client).PutRecords
// is one.
type PutRecordsFunc func(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)

// putAll sends entries until Kinesis has accepted every one. A partial
// failure resends only the entries that failed, after a backoff; so does a
// transient failure of the whole request. It returns once all are accepted,
// on a final error, or when ctx is done. It reorders entries in place.
//
// A resent entry lands after entries of the same partition key that
// succeeded in the same request: per-key order holds across requests, not
// within a partially failed one.
func putAll(ctx context.Context, put PutRecordsFunc, stream string, entries []ktypes.PutRecordsRequestEntry, sleep Sleeper, backoff Backoff) error {
	failures := 0
	for len(entries) > 0 {
		out, err := put(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries}, noSDKRetry)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if isFinal(err) {
				return apiError(stream, "put records", err)
			}
		case len(out.Records) != len(entries):
			return types.Errorf(codeConnectionFailure, "kinesis stream %s: put records: %d results for %d records",
				stream, len(out.Records), len(entries))
		default:
			entries = failedEntries(entries, out.Records)
			if len(entries) == 0 {
				return nil
			}
		}
		failures++
		if err := sleep(ctx, backoff.Delay(failures)); err != nil {
			return err
		}
	}
	return nil
}

// failedEntries moves the entries whose result has an error code to the
// front of entries, in order, and returns them.
func failedEntries(entries []ktypes.PutRecordsRequestEntry, results []ktypes.PutRecordsResultEntry) []ktypes.PutRecordsRequestEntry {
	failed := entries[:0]
	for i, r := range results {
		if r.ErrorCode != nil {
			failed = append(failed, entries[i])
		}
	}
	return failed
}
