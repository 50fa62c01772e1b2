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

// runOutcome is what a finished `run` knows about itself; runExit turns it into the exit code.
type runOutcome struct {
	once        bool // a --once job (a daemon's normal end is a signal)
	interrupted bool // --once: a signal ended the run before it finished
	targetsOK   int
	targetsFail int
	outputs     []outputResult
}

// undelivered sums what the outputs did not deliver: lost (gone for good) and spooled (on
// disk, for the next run).
func (oc runOutcome) undelivered() (lost, spooled int64) {
	for _, r := range oc.outputs {
		lost += r.Lost
		spooled += r.Spooled
	}
	return lost, spooled
}

// runExit decides the exit code of `run` (daemon and --once) and the message that goes with
// it: the one place that does (DESIGN §6). When several codes apply the most severe wins:
// 130, then 4, then 1, then 3. nil means exit 0.
func runExit(oc runOutcome) error {
	lost, spooled := oc.undelivered()
	outputFailed := false
	for _, r := range oc.outputs {
		outputFailed = outputFailed || r.Failed
	}
	if !oc.once {
		// A daemon ends on a signal; what counts is whether its data survived the shutdown.
		// Spooled points are replayed by the next start; lost points are gone.
		if lost > 0 {
			return withCode(exitOutput, fmt.Errorf("%d points were lost at shutdown: not delivered within --flush-timeout and not kept in a spool (buffer.spool_dir; see the output log lines above)", lost))
		}
		return nil
	}
	switch {
	case oc.interrupted:
		return withCode(exitInterrupted, errors.New("interrupted before the run finished"))
	case outputFailed:
		return withCode(exitOutput, fmt.Errorf("an output failed: %d points were not delivered (%d lost, %d spooled for the next run; see the output lines above)", lost+spooled, lost, spooled))
	case oc.targetsFail > 0 && oc.targetsOK == 0:
		return withCode(exitFailure, fmt.Errorf("all %d targets failed", oc.targetsFail))
	case oc.targetsFail > 0:
		return withCode(exitSomeTargets, fmt.Errorf("%d of %d targets failed; the others were written", oc.targetsFail, oc.targetsFail+oc.targetsOK))
	}
	return nil
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
