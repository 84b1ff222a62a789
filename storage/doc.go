// Package storage is Novelty's state store: the catalog, the object id
// counter, table rows and operator or connector state in Pebble; the
// retention logs of sources and streams in segment files of their own;
// and the two byte encodings everything else builds on (AppendRow for
// values, AppendKey for ordered keys).
//
// # Key layout
//
// Every key starts with one namespace byte; ids are 8-byte big-endian so a
// namespace iterates in id order and one id's keys form one contiguous
// range that DeleteRange can drop at once.
//
//	'c' name                     catalog entry (value: caller's bytes)
//	'i'                          last object id handed out (value: 8-byte big-endian)
//	'l' logID 0x0000000000000000 trim mark of a retention log: the highest
//	                             seq Trim removed, kept so that seq numbers
//	                             continue after a restart even when every
//	                             row has been trimmed
//	't' tableID key              table row (key: the caller's bytes, usually
//	                             built with AppendKey; value: AppendRow)
//	's' key                      operator/connector state (value: caller's bytes)
//
// # Retention logs
//
// A log's rows are not in Pebble but in segment files of its own
// (logfile.go), in <dir>/logs/<log id, 16 hex digits>/<first seq, 16 hex
// digits>.seg. A segment is a run of entries, one per Append:
//
//	uint32 payload length, uint32 CRC-32C of the rest of the entry,
//	uint64 first seq, int64 append time (unix micros), uint32 row count,
//	then each row as uvarint length + AppendRow's encoding
//
// (integers big-endian). Seqs are dense, so a segment ends where the next
// one's name begins. A segment is sealed (synced) at 8 MiB and the next
// append starts a new one; a restart starts a new one too. Trim removes
// whole segments once the trim mark passes them.
//
// # Durability
//
// Catalog, id counter, table and state writes are synced (pebble.Sync):
// they must survive a crash. Log appends are synced, or deferred to the
// next Store.SyncLogs (every checkpoint calls it before it commits), as
// the caller says (see Durability in log.go). At open, the newest segment
// of each log is read through and cut after its last entry that reads
// back whole: the rest is a tail torn by a crash.
package storage
