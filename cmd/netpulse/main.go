// Command netpulse collects telemetry from network devices over gNMI and SNMP and writes it to
// InfluxDB or line-protocol files. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(execute(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes (DESIGN.md §6), decided only in exitCode.
const (
	exitOK          = 0
	exitFailure     = 1   // runtime failure
	exitUsage       = 2   // usage or configuration error
	exitSomeTargets = 3   // some targets failed; the rest were written
	exitOutput      = 4   // an output failed: data could not be delivered
	exitInterrupted = 130 // stopped by SIGINT/SIGTERM before a --once run finished
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// usageError marks bad flags, arguments or configuration (exit 2).
func usageError(err error) error { return &exitError{code: exitUsage, err: err} }

// withCode attaches an exit code to err (nil err still carries the code).
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// exitCode maps a command's error to the process exit code: the one place that decides.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailure
}

// execute runs the CLI and returns the exit code; main is the only caller of os.Exit.
func execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var ee *exitError
		// Errors are printed once, here; commands return them and never log them too. A
		// bare code (nil err) was already reported by the command (e.g. the summary).
		if !errors.As(err, &ee) || ee.err != nil {
			fmt.Fprintf(stderr, "netpulse: %v\n", err)
		}
		if !errors.As(err, &ee) && isFlagError(err) {
			return exitUsage
		}
	}
	return exitCode(err)
}
