// promcheck: Prometheus's own checks, without building all of promtool. `promcheck metrics` lints a scrape on stdin
// with promlint (what `promtool check metrics` runs); `promcheck rules FILE...` parses alerting and recording rules
// as Prometheus loads them (what `promtool check rules` runs first). Each problem is printed; exit 1 when any.
package main

import (
	"fmt"
	"os"

	"log/slog"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: promcheck metrics < scrape | promcheck rules FILE...")
		os.Exit(64)
	}
	problems := 0
	switch os.Args[1] {
	case "metrics":
		found, err := promlint.New(os.Stdin).Lint()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, p := range found {
			fmt.Printf("%s %s\n", p.Metric, p.Text)
		}
		problems = len(found)
	case "rules":
		// As promtool parses them: UTF-8 names allowed, the default PromQL functions.
		promql := parser.NewParser(parser.Options{})
		for _, file := range os.Args[2:] {
			_, errs := rulefmt.ParseFile(file, false, model.UTF8Validation, promql, slog.New(slog.DiscardHandler))
			for _, err := range errs {
				fmt.Printf("%s: %v\n", file, err)
			}
			problems += len(errs)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown check %q: use metrics or rules\n", os.Args[1])
		os.Exit(64)
	}
	if problems > 0 {
		os.Exit(1)
	}
}
