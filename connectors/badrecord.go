package connectors

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/novelty-db/novelty/connectors/format"
	"github.com/novelty-db/novelty/types"
)

// BadRecord is a record a source could not decode or fit to its schema.
type BadRecord struct {
	Source string    // the source's name
	Raw    []byte    // the record as read; owned by the receiver
	Err    error     // why it was rejected
	Offset string    // where it was, in the connector's words ("1234", "p3:1200")
	Time   time.Time // when it was rejected
}

// ErrorReporter receives dead-lettered records; the engine's implementation
// appends them to the system source novelty_errors. Report must not block
// for long: it is called from the source's Read.
type ErrorReporter interface {
	Report(BadRecord)
}

// OnError is what a source does with a bad record.
type OnError uint8

// The on_error modes.
const (
	// OnErrorDeadLetter reports the record to the ErrorReporter and goes on.
	OnErrorDeadLetter OnError = iota
	// OnErrorSkip counts the record and goes on.
	OnErrorSkip
	// OnErrorFail ends the read with the record's error.
	OnErrorFail
)

// OnErrorOptionName is the option choosing the OnError mode.
const OnErrorOptionName = "on_error"

// OnErrorOption declares the on_error option for a source connector that can
// meet bad records.
func OnErrorOption() OptionSpec {
	return OptionSpec{
		Name:    OnErrorOptionName,
		Default: "dead_letter",
		Allowed: []string{"dead_letter", "skip", "fail"},
		Doc:     "what a record that does not decode does: dead_letter (to novelty_errors), skip, or fail the source",
	}
}

// ParseOnError maps an on_error value to its mode; "" is the default.
func ParseOnError(value string) (OnError, error) {
	switch value {
	case "", "dead_letter":
		return OnErrorDeadLetter, nil
	case "skip":
		return OnErrorSkip, nil
	case "fail":
		return OnErrorFail, nil
	}
	return 0, types.Errorf(types.CodeInvalidParameterValue,
		"invalid value %q for option %q: allowed values are dead_letter, skip, fail", value, OnErrorOptionName)
}

// BadRecordPolicy applies a source's on_error mode. Connectors hand every
// record they cannot decode to HandleBadRecord. It is safe for use by one
// reading goroutine while others call BadRecords.
type BadRecordPolicy struct {
	source   string
	mode     OnError
	reporter ErrorReporter
	clock    func() time.Time
	count    atomic.Int64
}

// NewBadRecordPolicy builds the policy cfg.Options["on_error"] selects.
func NewBadRecordPolicy(cfg SourceConfig) (*BadRecordPolicy, error) {
	mode, err := ParseOnError(cfg.Options[OnErrorOptionName])
	if err != nil {
		return nil, err
	}
	return &BadRecordPolicy{source: cfg.Name, mode: mode, reporter: cfg.Errors, clock: cfg.now}, nil
}

// HandleBadRecord counts the record and, depending on the mode, reports it
// (dead_letter, with a copy of raw) or returns the error that ends the read
// (fail). A nil return means the caller skips the record and reads on.
func (p *BadRecordPolicy) HandleBadRecord(raw []byte, offset string, err error) error {
	p.count.Add(1)
	switch p.mode {
	case OnErrorFail:
		return recordError(p.source, offset, err)
	case OnErrorDeadLetter:
		if p.reporter != nil {
			p.reporter.Report(BadRecord{
				Source: p.source,
				Raw:    append([]byte(nil), raw...),
				Err:    err,
				Offset: offset,
				Time:   p.clock(),
			})
		}
	}
	return nil
}

// BadRecords returns how many bad records the policy has handled.
func (p *BadRecordPolicy) BadRecords() int64 { return p.count.Load() }

// recordError is the user error a failing source returns: the record's own
// SQLSTATE (22000 when it has none) and where the record was.
func recordError(source, offset string, err error) error {
	code := types.CodeOf(err)
	if code == types.CodeInternalError {
		code = types.CodeDataException
	}
	msg := err.Error()
	if e, ok := types.AsError(err); ok {
		msg = e.Message
	}
	out := types.Errorf(code, "source %s: bad record at offset %s: %s", source, offset, msg)
	out.Hint = fmt.Sprintf("Set %s = 'dead_letter' or 'skip' to keep the source running past bad records.", OnErrorOptionName)
	return out
}

// recordReading builds what every record-decoding source needs: the
// decoder its format option names and its on_error policy.
func recordReading(cfg SourceConfig) (format.Decoder, *BadRecordPolicy, error) {
	dec, err := NewDecoder(cfg)
	if err != nil {
		return nil, nil, err
	}
	policy, err := NewBadRecordPolicy(cfg)
	if err != nil {
		return nil, nil, err
	}
	return dec, policy, nil
}
