package outputs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// Writer delivers one batch of points to a storage system. Implementations encode the points
// themselves (outputs/influx, outputs/file) and return nil only when the whole batch was
// accepted. Failures should be *Error values (see the constructors below) so that Output knows
// whether to retry, split or give up; any other error is treated as Retryable, because an
// unclassified failure is most often a network problem and keeping data is the safe default.
//
// Output calls Write from one goroutine at a time and does not keep points past the call.
type Writer interface {
	Write(ctx context.Context, points []collector.Point) error
}

// Class says what Output does with a batch whose write failed (DESIGN.md §7).
type Class uint8

// Error classes, one per reaction of the flush loop.
const (
	// Retryable (429, 5xx, network errors, timeouts): keep the batch, back off (honouring
	// RetryAfter) and try again.
	Retryable Class = iota + 1
	// Misconfigured (401/403 auth, 404 database not found): keep the batch and alarm — the
	// data is fine, the operator must fix the token or create the database — and retry with
	// the maximum backoff.
	Misconfigured
	// TooLarge (413): split the batch in halves and retry each; one point that is still too
	// large goes to the dead-letter file.
	TooLarge
	// BadData (400/422, partial write): act on what the answer names (Error.Conflicts,
	// Error.BadPoints): pin the server's type and resend only the affected points, or
	// dead-letter the lines it could not parse. An answer that names nothing is isolated by
	// splitting the batch, within a fixed number of requests (maxRejectWrites).
	BadData
	// Permanent (any other 4xx): retrying cannot help; the batch goes to the dead-letter file.
	Permanent
)

// String names the class for logs and drop reasons.
func (c Class) String() string {
	switch c {
	case Retryable:
		return "retryable"
	case Misconfigured:
		return "misconfigured"
	case TooLarge:
		return "too_large"
	case BadData:
		return "bad_data"
	case Permanent:
		return "permanent"
	}
	return "unknown"
}

// Error is a classified write failure.
type Error struct {
	Class      Class
	StatusCode int           // HTTP status, 0 for transport errors
	RetryAfter time.Duration // the server's Retry-After, 0 when absent
	// Message is the server's own explanation (InfluxDB's "error" body), kept verbatim for
	// the dead-letter file.
	Message string
	Err     error // the underlying error, with the URL and the suggested fix

	// What a BadData answer says, when the Writer could read it (outputs/influx parses
	// InfluxDB's 400/422 texts). Output acts on these instead of splitting the batch.
	//
	// Conflicts are the field type conflicts the server named. InfluxDB names only the
	// first conflict of each shard, so there may be more.
	Conflicts []TypeConflict
	// BadPoints are indices into the written batch of the points the server could not
	// parse ("unable to parse '<line>'"); the server stored the others.
	BadPoints []int
	// Dropped is the number of points the server says it did not store (InfluxDB's
	// "dropped=N"); -1 when the answer does not say. The rest of the batch was stored.
	Dropped int
}

// Error returns the underlying error's text.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	if e.Message != "" {
		return fmt.Sprintf("%s write error (status %d): %s", e.Class, e.StatusCode, e.Message)
	}
	return fmt.Sprintf("%s write error (status %d)", e.Class, e.StatusCode)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// NewError classifies err. message is the server's explanation, if any.
func NewError(class Class, status int, retryAfter time.Duration, message string, err error) *Error {
	return &Error{Class: class, StatusCode: status, RetryAfter: retryAfter, Message: message, Err: err, Dropped: -1}
}

// Classify returns err's classification. Errors that are not *Error count as Retryable (see
// Writer).
func Classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Class: Retryable, Err: err, Dropped: -1}
}

// ClassForStatus maps an HTTP status of InfluxDB's write endpoint to a Class (DESIGN.md §7).
// 2xx returns 0 (no error).
func ClassForStatus(status int) Class {
	switch {
	case status >= 200 && status < 300:
		return 0
	case status == 401 || status == 403 || status == 404:
		return Misconfigured
	case status == 413:
		return TooLarge
	case status == 400 || status == 422:
		return BadData
	case status == 408 || status == 429 || status >= 500:
		return Retryable
	}
	return Permanent
}

// ErrClosed is returned by Emit after Close.
var ErrClosed = errors.New("output closed")
