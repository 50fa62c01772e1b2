package peers

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestInfluxdWriteQuery starts the real influxd, writes through /api/v2/write with the
// "db/rp" bucket and reads the point back with InfluxQL.
func TestInfluxdWriteQuery(t *testing.T) {
	d := StartInfluxd(t)
	d.CreateDatabase(t, "np")
	post := func(body string) (int, string, http.Header) {
		t.Helper()
		resp, err := http.Post(d.URL+"/api/v2/write?bucket=np/autogen&precision=ns", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	if code, msg, _ := post("m,source=a f=9007199254740993i 1000\n"); code != http.StatusNoContent {
		t.Fatalf("write: %d %s", code, msg)
	}
	rows := d.Query(t, "np", `SELECT f FROM m`)
	if len(rows) != 1 || rows[0][0].(json.Number).String() != "1000" || rows[0][1].(json.Number).String() != "9007199254740993" {
		t.Fatalf("rows = %v, want [[1000 9007199254740993]]", rows)
	}
	// InfluxDB 1.8 rejects the "u" suffix: the behaviour the influx writer's uint
	// detection exists for.
	code, msg, hdr := post("m,source=a g=1u 2000\n")
	t.Logf("uint write: %d %s version=%q", code, msg, hdr.Get("X-Influxdb-Version"))
	if code != http.StatusBadRequest {
		t.Fatalf("uint write: status %d, want 400 from InfluxDB 1.8", code)
	}
}

// TestInfluxdAuth checks the auth option: anonymous writes fail, the admin's token works.
func TestInfluxdAuth(t *testing.T) {
	d := StartInfluxd(t, WithInfluxAuth("admin", "s3cret"))
	d.CreateDatabase(t, "np")
	write := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, d.URL+"/api/v2/write?bucket=np", strings.NewReader("m f=1i 1\n"))
		if token != "" {
			req.Header.Set("Authorization", "Token "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := write(""); code != http.StatusUnauthorized {
		t.Errorf("anonymous write: %d, want 401", code)
	}
	if code := write(d.Token()); code != http.StatusNoContent {
		t.Errorf("admin write: %d, want 204", code)
	}
	if rows := d.Query(t, "np", "SELECT f FROM m"); len(rows) != 1 {
		t.Errorf("rows = %v, want one", rows)
	}
}

// TestInfluxdUintBuild checks the `-tags uint` build: it stores `u` as unsigned, and a later
// integer write to the same field is a type conflict (as on InfluxDB 2.x/3.x).
func TestInfluxdUintBuild(t *testing.T) {
	d := StartInfluxd(t, WithUintBuild())
	if !d.Uint {
		t.Fatal("Uint not set on the -tags uint build")
	}
	d.CreateDatabase(t, "np")
	post := func(body string) (int, string) {
		t.Helper()
		resp, err := http.Post(d.URL+"/api/v2/write?bucket=np/autogen&precision=ns", "text/plain", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, msg := post("m,source=a g=18446744073709551615u 1000\n"); code != http.StatusNoContent {
		t.Fatalf("uint write: %d %s, want 204 from the -tags uint build", code, msg)
	}
	code, msg := post("m,source=a g=5i 2000\n")
	if code != http.StatusBadRequest || !strings.Contains(msg, "field type conflict") {
		t.Fatalf("integer write to an unsigned field: %d %s, want 400 field type conflict", code, msg)
	}
	t.Logf("conflict answer: %s", msg)
	series := d.QuerySeries(t, "np", `SHOW FIELD KEYS FROM m`)
	if len(series) != 1 || len(series[0].Values) != 1 || series[0].Values[0][1] != "unsigned" {
		t.Fatalf("SHOW FIELD KEYS = %+v, want g unsigned", series)
	}
}

// TestInfluxdStopRestart: a stopped server refuses connections on its address, and a
// restarted one answers there again with its data kept.
func TestInfluxdStopRestart(t *testing.T) {
	d := StartInfluxd(t)
	d.CreateDatabase(t, "np")
	resp, err := http.Post(d.URL+"/api/v2/write?bucket=np&precision=ns", "text/plain", strings.NewReader("m f=1i 1000\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	d.Stop(t)
	if resp, err := http.Get(d.URL + "/ping"); err == nil {
		resp.Body.Close()
		t.Fatalf("stopped influxd still answers /ping: %d", resp.StatusCode)
	}
	d.Restart(t)
	if rows := d.Query(t, "np", "SELECT f FROM m"); len(rows) != 1 {
		t.Fatalf("after restart: rows %v, want the point written before the stop", rows)
	}
}
