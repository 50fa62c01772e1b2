package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/netpulse/netpulse/targets"
)

// progressTick is how often the bar looks at the finished targets.
const progressTick = 100 * time.Millisecond

// progressBar shows `run --once` progress on w, targets done out of total, while the run
// goes on; it returns when every target has finished or ctx ends. It draws only when w is a
// terminal: under a scheduler (logs, CI, cron) it returns at once and prints nothing. It is
// meant as runOptions.watch:
//
//	o.watch = func(ctx context.Context, m *targets.Manager, _ *pipeline) { progressBar(ctx, g.stderr, m, len(ts)) }
func progressBar(ctx context.Context, w io.Writer, m *targets.Manager, total int) {
	if !isTerminal(w) || total <= 0 {
		return
	}
	runProgress(ctx, w, func() (int, int) {
		ok, failed := 0, 0
		for _, r := range m.Results() {
			if r.OK {
				ok++
			} else {
				failed++
			}
		}
		return ok, failed
	}, total, progressTick)
}

// runProgress draws the bar from finished() (targets ok, failed) every tick until ok+failed
// reaches total or ctx ends; the terminal check is the caller's.
func runProgress(ctx context.Context, w io.Writer, finished func() (ok, failed int), total int, tick time.Duration) {
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("targets"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionThrottle(tick),
		progressbar.OptionClearOnFinish(),
	)
	t := time.NewTicker(tick)
	defer t.Stop()
	lastFailed := -1
	for {
		ok, failed := finished()
		if failed != lastFailed && failed > 0 {
			bar.Describe(fmt.Sprintf("targets (%d failed)", failed))
			lastFailed = failed
		}
		_ = bar.Set(ok + failed) // a write error on a terminal leaves nothing to do
		if ok+failed >= total {
			_ = bar.Finish()
			return
		}
		select {
		case <-ctx.Done():
			_ = bar.Exit()
			return
		case <-t.C:
		}
	}
}
