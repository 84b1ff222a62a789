package kafka

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/novelty-db/novelty/types"
)

// codeConnectionFailure is Postgres' SQLSTATE for a connection that failed:
// the brokers could not be reached or answered with an error.
const codeConnectionFailure = "08006"

// topicMetadata is what Open learns about the topic.
type topicMetadata struct {
	// partitions is the partition count; partition numbers are 0 to n-1.
	partitions int
	// id is the topic's id, which newer request versions name it by.
	id [16]byte
}

// describeTopic asks the cluster for topic's partitions and id.
func describeTopic(ctx context.Context, cl *kgo.Client, topic string) (topicMetadata, error) {
	req := kmsg.NewPtrMetadataRequest()
	t := kmsg.NewMetadataRequestTopic()
	t.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, t)
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return topicMetadata{}, types.Errorf(codeConnectionFailure, "kafka topic %s: metadata request failed: %v", topic, err)
	}
	if len(resp.Topics) != 1 {
		return topicMetadata{}, types.Errorf(codeConnectionFailure, "kafka topic %s: metadata names %d topics, want 1", topic, len(resp.Topics))
	}
	rt := resp.Topics[0]
	if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
		if err == kerr.UnknownTopicOrPartition {
			return topicMetadata{}, types.Errorf(types.CodeUndefinedObject, "kafka topic %q does not exist", topic).
				WithHint("Create the topic first; the connector does not create topics.")
		}
		return topicMetadata{}, types.Errorf(codeConnectionFailure, "kafka topic %s: %v", topic, err)
	}
	if len(rt.Partitions) == 0 {
		return topicMetadata{}, types.Errorf(codeConnectionFailure, "kafka topic %s has no partitions", topic)
	}
	return topicMetadata{partitions: len(rt.Partitions), id: rt.TopicID}, nil
}

// listOffsets resolves start to a concrete offset for each of partitions:
// the log start (earliest) or, for latest, the high watermark or under
// ReadCommitted the last stable offset (before the first open transaction).
func listOffsets(ctx context.Context, cl *kgo.Client, topic string, partitions []int32, start Start, isolation Isolation) (map[int32]int64, error) {
	ts := int64(-2) // earliest
	if start == StartLatest {
		ts = -1
	}
	req := kmsg.NewPtrListOffsetsRequest()
	if isolation == ReadCommitted {
		req.IsolationLevel = 1
	}
	t := kmsg.NewListOffsetsRequestTopic()
	t.Topic = topic
	for _, p := range partitions {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = p, ts
		t.Partitions = append(t.Partitions, rp)
	}
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, types.Errorf(codeConnectionFailure, "kafka topic %s: list offsets failed: %v", topic, err)
	}
	out := make(map[int32]int64, len(partitions))
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				return nil, types.Errorf(codeConnectionFailure, "kafka topic %s partition %d: list offsets: %v", topic, rp.Partition, err)
			}
			out[rp.Partition] = rp.Offset
		}
	}
	for _, p := range partitions {
		if _, ok := out[p]; !ok {
			return nil, types.Errorf(codeConnectionFailure, "kafka topic %s partition %d: no offset listed", topic, p)
		}
	}
	return out, nil
}
