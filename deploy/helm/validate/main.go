// Command validate checks the objects `helm template` renders, offline, against the Kubernetes API
// as the API server and the operators would see them:
//
//   - every document decodes strictly into its Go API type (k8s.io/api for built-in kinds,
//     prometheus-operator's monitoring/v1 and KEDA's keda.sh/v1alpha1 for the custom resources),
//     with the API server's own strict decoder: unknown or duplicate fields, wrong types and
//     unknown apiVersion/kind are errors (what `kubectl apply --validate=strict` rejects);
//   - object names and labels pass the API server's name and label rules, and the required
//     fields and references between the rendered objects hold (selectors select the pods, ports
//     and probes name real container ports, scale targets and config references exist);
//   - KEDA's own admission checks for ScaledObjects and TriggerAuthentications run;
//   - with -rules-out, the rule groups of every PrometheusRule are written as plain rule files
//     for `promtool check rules`.
//
// Usage: validate [-rules-out DIR] [-partitions N] FILE...
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	rulesOut := flag.String("rules-out", "", "write the rule groups of each PrometheusRule to DIR/<name>.rules.yaml")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: validate [-rules-out DIR] FILE...")
		os.Exit(2)
	}
	failed := false
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			failed = true
			continue
		}
		objects, problems := decodeAll(data)
		problems = append(problems, checkObjects(objects)...)
		if *rulesOut != "" {
			if err := writeRules(objects, *rulesOut); err != nil {
				problems = append(problems, err)
			}
		}
		if len(problems) > 0 {
			failed = true
			fmt.Fprintf(os.Stderr, "%s: %d problem(s)\n", file, len(problems))
			for _, p := range problems {
				fmt.Fprintf(os.Stderr, "  - %s\n", indentLines(p.Error()))
			}
			continue
		}
		fmt.Printf("%s: %d objects valid (%s)\n", file, len(objects), summarize(objects))
	}
	if failed {
		os.Exit(1)
	}
}

func indentLines(s string) string {
	return strings.ReplaceAll(s, "\n", "\n    ")
}

func summarize(objects []*object) string {
	counts := map[string]int{}
	var order []string
	for _, o := range objects {
		if counts[o.kind] == 0 {
			order = append(order, o.kind)
		}
		counts[o.kind]++
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
	}
	return strings.Join(parts, ", ")
}

var errNoObjects = errors.New("no Kubernetes object found")
