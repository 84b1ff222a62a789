package kafka

import (
	"encoding/json"
	"strconv"
	"strings"
)

// preparedTxn is a Kafka transaction whose writes ended at a checkpoint
// barrier and that is waiting for the checkpoint to commit it. The
// producer id and epoch are what an EndTxn request from any client needs
// to commit it.
type preparedTxn struct {
	Checkpoint    uint64 `json:"checkpoint"`
	ID            string `json:"transactional_id"`
	ProducerID    int64  `json:"producer_id"`
	ProducerEpoch int16  `json:"producer_epoch"`
	// index is the pool slot of ID (<prefix>-<index>), which stays taken
	// until the transaction is committed.
	index int
}

// txnState is what Prepare returns and Recover reads back:
//
//	{"prefix":"novelty-alerts","transactions":[{"checkpoint":7,
//	 "transactional_id":"novelty-alerts-0","producer_id":3,"producer_epoch":1}]}
//
// Prefix is kept so that Recover still finds the transactions to abort
// when the sink's prefix changed since.
type txnState struct {
	Prefix       string        `json:"prefix"`
	Transactions []preparedTxn `json:"transactions"`
}

func (st txnState) encode() ([]byte, error) {
	return json.Marshal(st)
}

// decodeTxnState reads a Prepare result; nil gives the empty state.
func decodeTxnState(data []byte) (txnState, error) {
	var st txnState
	if data == nil {
		return st, nil
	}
	err := json.Unmarshal(data, &st)
	return st, err
}

// poolIndex returns n when id is <prefix>-<n>.
func poolIndex(id, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	if !ok || rest == "" || strings.TrimLeft(rest, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil
}
