// Command validate checks the deployment artefacts offline (scripts/check-deploy.sh runs it).
//
// validate manifests [-owned-prefix P] [-rules-out DIR] FILE...
//
//	Checks the objects `helm template` renders against the Kubernetes API as the API server and
//	the operators would see them:
//	  - every document decodes strictly into its Go API type (k8s.io/api for built-in kinds, GA
//	    versions only; prometheus-operator's monitoring/v1 and KEDA's keda.sh/v1alpha1 for the
//	    custom resources) with the API server's own strict decoder: unknown or duplicate fields,
//	    wrong types and unknown apiVersion/kind are errors (what `kubectl apply --validate=strict`
//	    rejects);
//	  - names and labels pass the API server's rules; required fields and the references between
//	    the rendered objects hold (selectors select pods, ports and probes name real container
//	    ports, scale targets, ConfigMaps, Secrets and their keys exist);
//	  - KEDA's own admission checks for ScaledObjects and TriggerAuthentications;
//	  - what the callhooks chart promises for each service (invariants.go);
//	  - with -rules-out, each PrometheusRule's groups are written as a plain rule file for promtool.
//
// validate values-doc VALUES README      every chart value is documented in the README
// validate runbook RUNBOOK RULES...      every alert is complete and has its runbook section
// validate dashboard [-exprs-out F] JSON the Grafana dashboard is importable and its queries
//
//	are written as recording rules for promtool
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	var problems []error
	switch cmd {
	case "manifests":
		fs := flag.NewFlagSet(cmd, flag.ExitOnError)
		fs.StringVar(ownedPrefix, "owned-prefix", "", "names of the release's own objects start with this prefix")
		rulesOut := fs.String("rules-out", "", "write the rule groups of each PrometheusRule to DIR/<name>.rules.yaml")
		_ = fs.Parse(args)
		if fs.NArg() == 0 {
			usage()
		}
		for _, file := range fs.Args() {
			if validateManifests(file, *rulesOut) {
				problems = append(problems, errors.New(file))
			}
		}
		if len(problems) > 0 {
			os.Exit(1)
		}
		return
	case "values-doc":
		if len(args) != 2 {
			usage()
		}
		problems = checkValuesDoc(args[0], args[1])
	case "runbook":
		if len(args) < 2 {
			usage()
		}
		problems = checkRunbook(args[0], args[1:])
	case "dashboard":
		fs := flag.NewFlagSet(cmd, flag.ExitOnError)
		exprsOut := fs.String("exprs-out", "", "write the queries as recording rules to this file")
		_ = fs.Parse(args)
		if fs.NArg() != 1 {
			usage()
		}
		problems = checkDashboard(fs.Arg(0), *exprsOut)
	default:
		usage()
	}
	report(cmd+" "+strings.Join(args, " "), problems)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: validate manifests [-owned-prefix P] [-rules-out DIR] FILE... | values-doc VALUES README | runbook RUNBOOK RULES... | dashboard [-exprs-out F] JSON")
	os.Exit(2)
}

func report(what string, problems []error) {
	if len(problems) == 0 {
		fmt.Printf("%s: ok\n", what)
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %d problem(s)\n", what, len(problems))
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "  - %s\n", indentLines(p.Error()))
	}
	os.Exit(1)
}

// validateManifests reports on one rendered file; true when it has problems.
func validateManifests(file, rulesOut string) bool {
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
		return true
	}
	objects, problems := decodeAll(data)
	problems = append(problems, checkObjects(objects)...)
	if rulesOut != "" {
		if err := writeRules(objects, rulesOut); err != nil {
			problems = append(problems, err)
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "%s: %d problem(s)\n", file, len(problems))
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "  - %s\n", indentLines(p.Error()))
		}
		return true
	}
	fmt.Printf("%s: %d objects valid (%s)\n", file, len(objects), summarize(objects))
	return false
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
