package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/outputs"
	"github.com/netpulse/netpulse/outputs/influx"
)

// Report is what gnmibench prints.
type Report struct {
	Updates          int64     `json:"updates"`
	Points           int64     `json:"points"`
	Bytes            int64     `json:"line_protocol_bytes"`
	WallSeconds      float64   `json:"wall_seconds"`
	CPUSeconds       float64   `json:"cpu_seconds"`
	UpdatesPerCPUSec float64   `json:"updates_per_cpu_second"`
	RSSMiB           []float64 `json:"rss_mib_every_5s"`
	MaxRSSMiB        float64   `json:"max_rss_mib"`
	Duplicates       int64     `json:"duplicates"`
	// With -influx: what the InfluxDB output wrote and lost (after a final flush, whose CPU
	// is included above).
	InfluxWritten int64 `json:"influx_written,omitempty"`
	InfluxLost    int64 `json:"influx_lost,omitempty"`
}

// discardSink encodes points as the InfluxDB writer would and throws the bytes away.
type discardSink struct {
	mu    sync.Mutex
	buf   []byte
	bytes int64
}

// Emit encodes the points and discards the bytes.
func (d *discardSink) Emit(_ context.Context, pts []collector.Point) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var err error
	d.buf, err = outputs.AppendLineProtocol(d.buf[:0], pts, outputs.EncodeOptions{UintAsInt: true})
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	n, _ := io.Discard.Write(d.buf)
	d.bytes += int64(n)
	return nil
}

func main() {
	addr := flag.String("address", "", "gNMI server address")
	duration := flag.Duration("duration", 60*time.Second, "how long to measure")
	path := flag.String("path", "/interfaces/interface/state/counters", "subscription path")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	influxURL := flag.String("influx", "", "write to this InfluxDB (netpulse's real output: outputs.Output + outputs/influx, gzip, batches of 5,000) instead of discarding the encoded lines")
	bucket := flag.String("bucket", "bench", "with -influx: the database (1.x) or bucket")
	window := flag.Duration("sample-window", 0, "subscribe in SAMPLE mode with this sample interval, so updates of one interface within it are grouped into one line (0: on_change, lines grouped by equal timestamps only)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	rep, err := run(*addr, *path, *duration, *window, *influxURL, *bucket)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gnmibench:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(rep)
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func run(addr, path string, duration, window time.Duration, influxURL, bucket string) (Report, error) {
	stats := &collector.Stats{}
	sub := gnmi.Subscription{Name: "interfaces", Paths: []string{path}, Mode: "stream", StreamMode: "on_change"}
	if window > 0 {
		// The reference server sends every accepted update whatever the sample interval,
		// so the updates are the same as with on_change; only the grouping differs.
		sub.StreamMode, sub.SampleInterval = "sample", window
	}
	s, err := gnmi.New(gnmi.Config{
		Name: "bench", Address: addr, Insecure: true,
		Subscriptions: []gnmi.Subscription{sub},
	}, collector.Runtime{Stats: stats}, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		return Report{}, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	discard := &discardSink{}
	var sink collector.Sink = discard
	var out *outputs.Output
	outDone := make(chan struct{})
	if influxURL != "" {
		w, err := influx.New(influx.Config{URL: influxURL, Bucket: bucket, Gzip: true}, nil)
		if err != nil {
			return Report{}, err
		}
		if out, err = outputs.New(outputs.Config{Name: "influx"}, w, nil); err != nil {
			return Report{}, err
		}
		go func() { defer close(outDone); _ = out.Run(context.Background()) }()
		sink = out
	}
	var rep Report
	done := make(chan error, 1)
	start, cpu0 := time.Now(), cpuSeconds()
	go func() { done <- s.Run(ctx, sink) }()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			rep.RSSMiB = append(rep.RSSMiB, rssMiB())
			continue
		case err = <-done:
		}
		break
	}
	if out != nil {
		cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
		r, cerr := out.Close(cctx)
		ccancel()
		<-outDone
		rep.InfluxWritten, rep.InfluxLost = r.Written, r.Lost
		if cerr != nil && err == nil {
			err = cerr
		}
	}
	rep.WallSeconds = time.Since(start).Seconds()
	rep.CPUSeconds = cpuSeconds() - cpu0
	// One session, no supervisor: a broken stream ends the run with its error (redial is
	// targets.Manager's job and not what this benchmark measures).
	rep.Updates, rep.Points = stats.Updates.Load(), stats.Points.Load()
	discard.mu.Lock()
	rep.Bytes = discard.bytes
	discard.mu.Unlock()
	rep.Duplicates = stats.Duplicates.Load()
	if rep.CPUSeconds > 0 {
		rep.UpdatesPerCPUSec = float64(rep.Updates) / rep.CPUSeconds
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	rep.MaxRSSMiB = float64(ru.Maxrss) / 1024
	return rep, err
}
