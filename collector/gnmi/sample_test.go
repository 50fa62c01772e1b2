package gnmi

import (
	"testing"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
)

func TestSampleValueGuessesAsDevicesSend(t *testing.T) {
	cases := map[string]string{"42": "uint_val:42", "-3": "int_val:-3", "1.5": "double_val:1.5", "true": "bool_val:true", "up": `string_val:"up"`, `{"a":1}`: "json_ietf_val"}
	for in, want := range cases {
		v, err := SampleValue(in, "")
		if err != nil {
			t.Fatalf("SampleValue(%q): %v", in, err)
		}
		if got := v.String(); len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("SampleValue(%q) = %s, want %s…", in, got, want)
		}
	}
	if _, err := SampleValue("x", "uint"); err == nil {
		t.Error(`SampleValue("x", "uint") succeeded`)
	}
	if _, err := SampleValue("1", "decimal64"); err == nil {
		t.Error("an unknown --sample-type was accepted")
	}
}

// SampleUpdate is the session's own normalizer: measurement from the subscription, list
// keys as tags, the target's tags and source.
func TestSampleUpdate(t *testing.T) {
	c := Config{Name: "leaf1", Subscriptions: []Subscription{{Name: "ifc", Measurement: "interfaces", Paths: []string{"/interfaces/interface/state/counters"}}}}
	s, err := SampleUpdate(c, "/interfaces/interface[name=Ethernet1]/state/counters/in-octets", &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: 42}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 1 || s.Points[0].Measurement != "interfaces" || len(s.Points[0].Fields) != 1 || s.Points[0].Fields[0].Key != "state/counters/in-octets" {
		t.Fatalf("points = %+v", s.Points)
	}
	if _, ok := s.Origins[[2]string{"interfaces", "state/counters/in-octets"}]; !ok {
		t.Errorf("no type origin for the field: %v", s.Origins)
	}
	if _, err := SampleUpdate(c, "/interfaces/interface[name=", nil); err == nil {
		t.Error("a malformed path was accepted")
	}
}
