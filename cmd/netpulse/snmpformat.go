package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// formatVarbind renders one varbind as net-snmp's snmpget/snmpwalk print it with -On and no
// MIB loaded (net-snmp 5.9 mib.c sprint_realloc_by_type), so the output can be diffed
// against `snmpwalk -On` line by line:
//
//	.1.3.6.1.2.1.1.5.0 = STRING: "leaf1"
func formatVarbind(vb gosnmp.SnmpPDU) string {
	return vb.Name + " = " + formatValue(vb, true)
}

// formatValue renders a varbind's value; typed adds net-snmp's type label ("STRING: ",
// "Counter64: ", …). Without it the value stands alone, for tables.
func formatValue(vb gosnmp.SnmpPDU, typed bool) string {
	label := func(l, v string) string {
		if typed {
			return l + ": " + v
		}
		return v
	}
	switch vb.Type {
	case gosnmp.OctetString:
		b, _ := vb.Value.([]byte)
		return formatOctets(b, typed)
	case gosnmp.Integer:
		return label("INTEGER", gosnmp.ToBigInt(vb.Value).String())
	case gosnmp.Counter32:
		return label("Counter32", gosnmp.ToBigInt(vb.Value).String())
	case gosnmp.Gauge32:
		return label("Gauge32", gosnmp.ToBigInt(vb.Value).String())
	case gosnmp.Counter64:
		return label("Counter64", gosnmp.ToBigInt(vb.Value).String())
	case gosnmp.Uinteger32:
		return label("UInteger32", gosnmp.ToBigInt(vb.Value).String())
	case gosnmp.TimeTicks:
		t := gosnmp.ToBigInt(vb.Value).Uint64()
		if typed {
			return fmt.Sprintf("Timeticks: (%d) %s", t, uptimeString(t))
		}
		return uptimeString(t)
	case gosnmp.ObjectIdentifier:
		s, _ := vb.Value.(string)
		if !strings.HasPrefix(s, ".") {
			s = "." + s
		}
		return label("OID", s)
	case gosnmp.IPAddress:
		return label("IpAddress", fmt.Sprint(vb.Value))
	case gosnmp.Null:
		return "NULL"
	case gosnmp.Opaque:
		b, _ := vb.Value.([]byte)
		return label("OPAQUE", hexString(b))
	case gosnmp.OpaqueFloat, gosnmp.OpaqueDouble:
		return label("Opaque: Float", fmt.Sprintf("%f", vb.Value))
	case gosnmp.NoSuchObject:
		return "No Such Object available on this agent at this OID"
	case gosnmp.NoSuchInstance:
		return "No Such Instance currently exists at this OID"
	case gosnmp.EndOfMibView:
		return "No more variables left in this MIB View (It is past the end of the MIB tree)"
	}
	return fmt.Sprintf("%s: %v", vb.Type, vb.Value)
}

// formatOctets follows sprint_realloc_octet_string without a display hint: text when every
// byte is printable or white space in the C locale (quotes and backslashes escaped), else
// Hex-STRING; the empty string is "" without a label.
func formatOctets(b []byte, typed bool) string {
	if len(b) == 0 {
		return `""`
	}
	for _, c := range b {
		printable := c >= 0x20 && c < 0x7f
		space := c == ' ' || (c >= '\t' && c <= '\r')
		if !printable && !space {
			if typed {
				return "Hex-STRING: " + hexString(b)
			}
			return strings.TrimSpace(hexString(b))
		}
	}
	if !typed {
		return string(b)
	}
	var s strings.Builder
	s.WriteString(`STRING: "`)
	for _, c := range b {
		if c == '"' || c == '\\' {
			s.WriteByte('\\')
		}
		s.WriteByte(c)
	}
	s.WriteByte('"')
	return s.String()
}

// hexString is sprint_realloc_hexstring with snmpwalk's 16 bytes per line: "%02X " per
// byte, a newline between lines.
func hexString(b []byte) string {
	var s strings.Builder
	for i, c := range b {
		if i > 0 && i%16 == 0 {
			s.WriteByte('\n')
		}
		fmt.Fprintf(&s, "%02X ", c)
	}
	return s.String()
}

// uptimeString is net-snmp's uptime_string: [N day(s), ]H:MM:SS.cc from hundredths of a
// second.
func uptimeString(ticks uint64) string {
	cs := ticks % 100
	secs := ticks / 100
	days := secs / 86400
	secs %= 86400
	hms := fmt.Sprintf("%d:%02d:%02d.%02d", secs/3600, secs/60%60, secs%60, cs)
	switch days {
	case 0:
		return hms
	case 1:
		return "1 day, " + hms
	}
	return strconv.FormatUint(days, 10) + " days, " + hms
}
