// Package file is the line-protocol output for a file or stdout ("-"), used by the CLI,
// `netpulse demo` and anyone who pipes netpulse into another tool. It appends; it never
// truncates a file it did not create.
package file
