package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp"
)

// walkSubtree calls fn for every varbind under root (leading dot), in order, the way
// snmpwalk does: GETBULK (GETNEXT on SNMPv1) from root until an answer leaves the subtree,
// the MIB view ends, or the agent returns a non-increasing OID (a loop). When the subtree is
// empty it GETs root itself, as snmpwalk does, so `walk sysName.0` prints the scalar.
func walkSubtree(ctx context.Context, c snmp.Client, v1 bool, root string, maxReps uint32, fn func(gosnmp.SnmpPDU) error) error {
	cursor := root
	reps := max(maxReps, 1)
	seen := 0
	for {
		var pkt *gosnmp.SnmpPacket
		var err error
		if v1 {
			pkt, err = c.GetNext(ctx, []string{cursor})
		} else {
			pkt, err = c.GetBulk(ctx, []string{cursor}, reps)
		}
		if err != nil {
			return err
		}
		switch {
		case pkt.Error == gosnmp.NoError:
		case pkt.Error == gosnmp.TooBig && !v1 && reps > 1:
			reps /= 2 // the answer did not fit one message: ask for fewer rows
			continue
		case pkt.Error == gosnmp.NoSuchName && v1:
			pkt.Variables = nil // SNMPv1's end of the MIB (RFC 1157 §4.1.3)
		default:
			return fmt.Errorf("%w: the agent answered error-status %s (error-index %d)", snmp.ErrBadResponse, pkt.Error, pkt.ErrorIndex)
		}
		done := len(pkt.Variables) == 0
		for _, vb := range pkt.Variables {
			if vb.Type == gosnmp.EndOfMibView || vb.Type == gosnmp.NoSuchObject || vb.Type == gosnmp.NoSuchInstance ||
				!strings.HasPrefix(vb.Name, root+".") {
				done = true
				break
			}
			if compareOID(vb.Name, cursor) <= 0 {
				return fmt.Errorf("%w: the agent returned %s after %s (OIDs not increasing, a loop)", snmp.ErrBadResponse, vb.Name, cursor)
			}
			if err := fn(vb); err != nil {
				return err
			}
			cursor = vb.Name
			seen++
		}
		if done {
			break
		}
	}
	if seen > 0 {
		return nil
	}
	pkt, err := c.Get(ctx, []string{root})
	if err != nil {
		return err
	}
	for _, vb := range pkt.Variables {
		if err := fn(vb); err != nil {
			return err
		}
	}
	return nil
}

// compareOID orders numeric OIDs by sub-identifier (".1.10" after ".1.9").
func compareOID(a, b string) int {
	as, bs := strings.Split(strings.TrimPrefix(a, "."), "."), strings.Split(strings.TrimPrefix(b, "."), ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, _ := strconv.ParseUint(as[i], 10, 64)
		y, _ := strconv.ParseUint(bs[i], 10, 64)
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(as) - len(bs)
}

// explainSNMP words a request error with the snmp package's own explanations (a timeout
// says a wrong community or v3 credentials look the same; v3 reports are named) instead of
// repeating them here. The package keeps its explain function to itself, so the error is
// replayed through a one-request Session poll over a Client that returns it.
func explainSNMP(cfg snmp.Config, err error, what string) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	cfg.Profiles = []snmp.Profile{{Name: "cli", Scalars: []snmp.Scalar{{Measurement: "cli", Fields: map[string]string{"x": "1.3.6.1.2.1.1.3.0"}}}}}
	if cfg.Interval <= 0 {
		cfg.Interval = cfg.Timeout
	}
	s, serr := snmp.NewWithClient(cfg, collector.Runtime{}, nil, replayClient{err})
	if serr != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	_, perr := s.Poll(context.Background())
	if perr == nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	const replayed = "get cli (profile cli): "
	return &explained{what: what, msg: strings.TrimPrefix(perr.Error(), replayed), err: perr}
}

// explained is the snmp package's explanation under the CLI's own "what" (errors.Is still
// finds snmp.ErrTimeout and snmp.ErrAuth in it).
type explained struct {
	what, msg string
	err       error
}

func (e *explained) Error() string { return e.what + ": " + e.msg }
func (e *explained) Unwrap() error { return e.err }

// replayClient answers every request with one error.
type replayClient struct{ err error }

func (r replayClient) Get(context.Context, []string) (*gosnmp.SnmpPacket, error) { return nil, r.err }
func (r replayClient) GetNext(context.Context, []string) (*gosnmp.SnmpPacket, error) {
	return nil, r.err
}
func (r replayClient) GetBulk(context.Context, []string, uint32) (*gosnmp.SnmpPacket, error) {
	return nil, r.err
}
func (r replayClient) Close() error { return nil }

// pollProfile runs one poll of cfg's profiles, exactly as the daemon's session does.
func pollProfile(ctx context.Context, cfg snmp.Config) ([]collector.Point, error) {
	s, err := snmp.New(cfg, collector.Runtime{}, nil)
	if err != nil {
		return nil, usageError(err)
	}
	defer s.Close()
	return s.Poll(ctx)
}
