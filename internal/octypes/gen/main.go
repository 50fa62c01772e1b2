// Command gen writes collector/gnmi's OpenConfig leaf-type table from the YANG models (see
// package octypes). `go generate ./collector/gnmi` runs it as
//
//	go run ../../internal/octypes/gen -yang ../../internal/octypes/testdata/yang -out octypes_gen.go
//
// With -files it prints the .yang files the models need instead (after adding a module,
// copy those from github.com/openconfig/public into testdata/yang).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/netpulse/netpulse/internal/octypes"
)

func main() {
	dir := flag.String("yang", "internal/octypes/testdata/yang", "directory holding the OpenConfig .yang files")
	out := flag.String("out", "collector/gnmi/octypes_gen.go", "Go file to write")
	files := flag.Bool("files", false, "print the .yang files the models load, one a line, and exit")
	flag.Parse()
	if *files {
		_, used, err := octypes.Load(*dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Println(strings.Join(used, "\n"))
		return
	}
	src, err := octypes.Generate(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
