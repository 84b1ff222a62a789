package engine

import (
	"context"
	"io"

	"github.com/novelty-db/novelty/exec"
	"github.com/novelty-db/novelty/types"
)

// backfillThen returns what a reader of o that joined the topic now
// reads: o's retained rows up to seq last (none when last is 0), then a
// watermark-only batch with mark, o's watermark when the reader joined,
// then live. So a stream created late sees the watermarks one created
// with o saw, as far as the log allows:
//
//   - From a source with a WATERMARK clause, the retained rows carry the
//     watermark the source stamped over them, recomputed (replayMarks).
//   - From a stream, or a source without WATERMARK clause, they carry
//     none: a stream's log keeps no watermarks, and what its query made of
//     them cannot be recomputed from its rows. Every retained row is
//     taken (none is late), and the windows they fill close at mark.
//
// Emitting mark before going live closes the windows the retained rows
// closed without waiting for a live row. mark is read atomically with
// joining, so the first live batch follows it; a batch a source was
// stamping while the reader joined (stamped before it is published) is
// the exception: mark may already include it, and its rows are then
// judged against their own watermark.
func backfillThen(o *object, last uint64, mark int64, live exec.Operator) exec.Operator {
	width := len(o.rel.Schema)
	var inputs []exec.Operator
	if last > 0 {
		scan := &logScan{log: o.log, width: width, upTo: last}
		if o.watermark != nil {
			scan.marks = newReplayMarks(o, mark)
		}
		inputs = append(inputs, scan)
	}
	if mark != types.NoWatermark {
		inputs = append(inputs, &watermarkOnly{width: width, mark: mark})
	}
	if len(inputs) == 0 {
		return live
	}
	return exec.Concat(append(inputs, live)...)
}

// watermarkOnly produces one watermark-only batch, then io.EOF.
type watermarkOnly struct {
	width int
	mark  int64
	sent  bool
}

var _ exec.Operator = (*watermarkOnly)(nil)

func (w *watermarkOnly) Open(context.Context) error { w.sent = false; return nil }

// Next returns the watermark batch once. With ctx done it returns ctx's
// error having produced nothing, as logScan.Next does.
func (w *watermarkOnly) Next(ctx context.Context, b *types.Batch) error {
	b.Reset(w.width)
	if w.sent {
		return io.EOF
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.Watermark, w.sent = w.mark, true
	return nil
}

func (w *watermarkOnly) Close(context.Context) error { return nil }
