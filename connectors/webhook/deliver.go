package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/novelty-db/novelty/types"
)

// codeConnectionFailure is Postgres' SQLSTATE for a connection that failed:
// the endpoint could not be reached or refused the rows.
const codeConnectionFailure = "08006"

// Limits on what is read of a response.
const (
	// maxErrorBody is how much of a refusing response's body an error
	// quotes.
	maxErrorBody = 200
	// maxDrainedBody is how much of a response body is read so that the
	// connection can be reused; a longer body closes it.
	maxDrainedBody = 64 << 10
)

// outcome is the result of one attempt at a request.
type outcome struct {
	err        error
	permanent  bool          // retrying the same request cannot help
	retryAfter time.Duration // the endpoint's Retry-After; 0 when absent
}

// deliver sends the body in s.body until the endpoint acknowledges it,
// backing off between attempts. It returns the error of a permanent
// failure, or ctx's error (wrapping the last attempt's) once ctx is done.
func (s *Sink) deliver(ctx context.Context, seq uint64) error {
	for attempt := 0; ; attempt++ {
		out := s.attempt(ctx, seq)
		switch {
		case out.err == nil:
			return nil
		case out.permanent:
			return out.err
		case ctx.Err() != nil:
			return fmt.Errorf("webhook sink %s: %w (last attempt: %v)", s.cfg.Name, ctx.Err(), out.err)
		}
		wait := s.backoff(attempt)
		if out.retryAfter > 0 {
			wait = min(out.retryAfter, s.cfg.MaxBackoff)
		}
		if err := s.cfg.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("webhook sink %s: %w (last attempt: %v)", s.cfg.Name, err, out.err)
		}
	}
}

// attempt POSTs s.body once, within the request timeout.
func (s *Sink) attempt(ctx context.Context, seq uint64) outcome {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, bytes.NewReader(s.body))
	if err != nil {
		return outcome{err: types.Errorf(types.CodeInvalidParameterValue, "webhook sink %s: %v", s.cfg.Name, err), permanent: true}
	}
	req.Header.Set("Content-Type", s.contentType())
	req.Header.Set("User-Agent", "novelty-webhook")
	for name, values := range s.cfg.Headers {
		req.Header[name] = values
	}
	req.Header.Set(IdempotencyKeyHeader, s.instance+"-"+strconv.FormatUint(seq, 10))
	if len(s.cfg.SigningSecret) > 0 {
		req.Header.Set(SignatureHeader, Sign(s.cfg.SigningSecret, s.body))
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return outcome{err: types.Errorf(codeConnectionFailure, "webhook sink %s: POST %s: %v", s.cfg.Name, s.target, s.describe(err))}
	}
	defer resp.Body.Close()
	return s.judge(resp)
}

// judge turns a response into an outcome: 2xx succeeds; 408, 429 and 5xx
// are worth retrying; any other status is permanent.
func (s *Sink) judge(resp *http.Response) outcome {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainedBody))
		return outcome{}
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody+1))
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainedBody))
	msg := fmt.Sprintf("webhook sink %s: POST %s: %s", s.cfg.Name, s.target, resp.Status)
	if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += fmt.Sprintf(" (redirect to %s not followed: set url to the final address)", loc)
	}
	if quoted := quoteBody(head); quoted != "" {
		msg += ": " + quoted
	}
	err := types.Errorf(codeConnectionFailure, "%s", msg)
	code := resp.StatusCode
	if code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500 {
		return outcome{err: err, retryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), s.cfg.Now())}
	}
	return outcome{err: err, permanent: true}
}

// quoteBody returns the start of a response body for an error message:
// at most maxErrorBody bytes, control characters as spaces, "..." when cut.
func quoteBody(b []byte) string {
	cut := len(b) > maxErrorBody
	if cut {
		b = b[:maxErrorBody]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	text := strings.TrimSpace(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "\ufffd")))
	if cut {
		text += "..."
	}
	return text
}

// Sign returns the SignatureHeader value for body: "sha256=" and the hex
// HMAC-SHA256 of body keyed with secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// describe words a failed request's error without its *url.Error
// wrapper, whose message repeats the method and the full URL (with any
// credentials and query) before the cause.
func (s *Sink) describe(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("no answer within %v (option timeout)", s.cfg.Timeout)
		}
		return ue.Err
	}
	return err
}

// redactURL returns raw without user information, query or fragment: the
// form errors name the endpoint by, as credentials and tokens are often
// put in those parts.
func redactURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", types.Errorf(types.CodeInvalidParameterValue,
			"invalid value %q for option %q: want an http:// or https:// URL with a host", raw, "url")
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String(), nil
}
