package outputs

import "context"

// DisableTypeGuard turns the type guard off, for the benchmark that measures its cost.
func DisableTypeGuard(o *Output) { o.g = nil }

// Flush writes what is buffered, as Run does every FlushInterval.
func Flush(o *Output) { o.flush(context.Background(), false) }
