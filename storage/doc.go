// Package storage is Novelty's state store on Pebble: the catalog, the
// object id counter, stream retention logs, table rows and operator or
// connector state, plus the two byte encodings everything else builds on
// (AppendRow for values, AppendKey for ordered keys).
//
// # Key layout
//
// Every key starts with one namespace byte; ids are 8-byte big-endian so a
// namespace iterates in id order and one id's keys form one contiguous
// range that DeleteRange can drop at once.
//
//	'c' name                     catalog entry (value: caller's bytes)
//	'i'                          last object id handed out (value: 8-byte big-endian)
//	'l' logID seq                retention log entry: the rows of one append,
//	                             seq (>= 1) being the first one's (value:
//	                             8-byte big-endian append time in unix
//	                             micros, uvarint row count, then each row as
//	                             uvarint length + AppendRow's encoding)
//	'l' logID 0x0000000000000000 trim mark: the highest seq Trim removed, kept
//	                             so that seq numbers continue after a restart
//	                             even when every entry has been trimmed
//	't' tableID key              table row (key: the caller's bytes, usually
//	                             built with AppendKey; value: AppendRow)
//	's' key                      operator/connector state (value: caller's bytes)
//
// # Durability
//
// Catalog, id counter, table and state writes are synced (pebble.Sync):
// they must survive a crash. Log appends are synced or deferred to the
// next synced write, as the caller says (see Durability in log.go).
package storage
