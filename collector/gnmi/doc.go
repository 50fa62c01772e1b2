// Package gnmi is the gNMI collector: dialing a device (TLS, mTLS, skip_verify, plaintext,
// username/password as per-RPC metadata, keepalive), the Capabilities, Get and Subscribe RPCs,
// the long-running Session that implements collector.Collector, and the pure Normalizer that
// turns notifications into points by the naming rules of DESIGN.md §4.
//
// Building blocks, for the daemon and the CLI alike:
//
//	conn, err := gnmi.Dial(cfg)                      // *grpc.ClientConn with credentials; connects lazily
//	caps, err := gnmi.Capabilities(ctx, conn)        // and gnmi.Get(ctx, conn, gnmi.NewGetRequest(...))
//	req, err := gnmi.NewSubscribeRequest(mode, subs...)
//	err = gnmi.Subscribe(ctx, conn, req, gnmi.SubscribeOptions{...}, func(r *gnmipb.SubscribeResponse) error {...})
//	n, err := gnmi.NewNormalizer(gnmi.NormalizerConfig{...})
//	points, counts := n.Normalize(points[:0], r.GetUpdate(), time.Now())
//
// gnmi.New(cfg, rt, log) returns a Session: one gRPC connection per target, one Subscribe stream
// per group of subscriptions that share mode, encoding, prefix and updates_only (devices cap
// concurrent subscriptions, e.g. Arista and Juniper), and a
// watchdog for streams that are connected but silent. The sessions of one process share
// what depends only on the schema and the subscriptions through one Shared (shared.New(cfg,
// rt, log)): interned names, leaf types, subscription plans and scratch buffers.
//
// sample.go runs one sample update through the normalizer a target's session would build
// (SampleUpdate), for `netpulse explain`.
package gnmi
