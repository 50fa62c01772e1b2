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
	"github.com/netpulse/netpulse/outputs"
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
	// Duplicates are updates received twice for the same leaf and timestamp (written once,
	// not counted in Updates).
	Duplicates int64 `json:"duplicates"`
	// Sink is "output" (outputs.Output + file writer, the daemon's path), "influx"
	// (outputs.Output + the InfluxDB writer to a real server) or "encode".
	Sink string `json:"sink"`
	// Written, Lost and Dropped are the Output's own counts after its final flush, whose
	// CPU is included above (sinks "output" and "influx"): a run that lost or dropped
	// points (buffer_full) measured less than the whole pipeline.
	Written int64            `json:"written,omitempty"`
	Lost    int64            `json:"lost,omitempty"`
	Dropped map[string]int64 `json:"dropped,omitempty"`
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
	sinkKind := flag.String("sink", sinkOutput, "output: through outputs.Output and a file writer into a discarding writer (the daemon's path, type guard included); influx: through outputs.Output and netpulse's InfluxDB writer (gzip) to -influx; encode: line-protocol encoding only, into io.Discard")
	influxURL := flag.String("influx", "", "with -sink influx: the InfluxDB base URL, e.g. http://127.0.0.1:8086")
	bucket := flag.String("bucket", "bench", "with -sink influx: the database (1.x) or bucket")
	window := flag.Duration("sample-window", 0, "subscribe in SAMPLE mode with this sample interval, so updates of one interface within it are grouped into one line (0: on_change, lines grouped by equal timestamps only)")
	flag.Parse()
	if err := checkSinkFlags(*sinkKind, *influxURL); err != nil {
		fmt.Fprintln(os.Stderr, "gnmibench:", err)
		os.Exit(2)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	rep, err := run(*addr, *path, *sinkKind, *influxURL, *bucket, *duration, *window)
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

// checkSinkFlags rejects a -sink the benchmark does not know and an -influx URL that
// would be ignored (a run meant for InfluxDB that silently measured the file path).
func checkSinkFlags(kind, influxURL string) error {
	switch kind {
	case sinkOutput, sinkEncode:
		if influxURL != "" {
			return fmt.Errorf("-influx is used only with -sink influx (got -sink %s)", kind)
		}
	case sinkInflux:
		if influxURL == "" {
			return fmt.Errorf("-sink influx needs -influx URL")
		}
	default:
		return fmt.Errorf("-sink must be output, influx or encode, not %q", kind)
	}
	return nil
}

func run(addr, path, sinkKind, influxURL, bucket string, duration, window time.Duration) (Report, error) {
	stats := &collector.Stats{}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	s, err := newSession(addr, path, window, stats, log)
	if err != nil {
		return Report{}, err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// A timer that cancels, not a context deadline: gRPC sends a deadline to the server,
	// whose timer can end the stream (DeadlineExceeded) just before the client's context is
	// done, and the session then reports a stream error (the demo had the same race).
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopAfter := time.AfterFunc(duration, cancel)
	defer stopAfter.Stop()
	rep := Report{Sink: sinkKind}
	var sink collector.Sink
	enc := &discardSink{}
	var out *outputSink
	start, cpu0 := time.Now(), cpuSeconds()
	// The Output's flush loop runs until close, not until ctx: the points buffered when
	// the session stops are still written, and counted.
	switch sinkKind {
	case sinkOutput:
		out, err = newOutputSink(context.Background(), log)
	case sinkInflux:
		out, err = newInfluxSink(context.Background(), influxURL, bucket, log)
	}
	if err != nil {
		return Report{}, err
	}
	if out != nil {
		sink = out
	} else {
		sink = enc
	}
	done := make(chan error, 1)
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
		orep, cerr := out.close()
		if cerr != nil && err == nil {
			err = cerr
		}
		rep.Written, rep.Lost, rep.Dropped = orep.Written, orep.Lost, orep.Dropped
		if out.dst != nil {
			rep.Bytes = out.dst.n
		}
	} else {
		enc.mu.Lock()
		rep.Bytes = enc.bytes
		enc.mu.Unlock()
	}
	rep.WallSeconds = time.Since(start).Seconds()
	rep.CPUSeconds = cpuSeconds() - cpu0
	// One session, no supervisor: a broken stream ends the run with its error (redial is
	// targets.Manager's job and not what this benchmark measures).
	rep.Updates, rep.Points = stats.Updates.Load(), stats.Points.Load()
	rep.Duplicates = duplicates(stats)
	if rep.CPUSeconds > 0 {
		rep.UpdatesPerCPUSec = float64(rep.Updates) / rep.CPUSeconds
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	rep.MaxRSSMiB = float64(ru.Maxrss) / 1024
	return rep, err
}
