package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples keeps the README's promise that every command's --help shows
// examples: each runnable command netpulse defines has an Example. cobra's own `completion`
// and `help` commands are left out; their help says how to load the script.
func TestEveryCommandHasExamples(t *testing.T) {
	var check func(c *cobra.Command)
	check = func(c *cobra.Command) {
		if c.Runnable() && c.Example == "" {
			t.Errorf("%q has no Example in its --help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			if sub.Name() == "completion" || sub.Name() == "help" {
				continue
			}
			check(sub)
		}
	}
	root := newRootCmd(strings.NewReader(""), &strings.Builder{}, &strings.Builder{})
	root.InitDefaultCompletionCmd()
	root.InitDefaultHelpCmd()
	check(root)
}
