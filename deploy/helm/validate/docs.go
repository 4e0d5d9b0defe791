package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// checkValuesDoc: every value of the chart is documented in a table row of its README that
// starts with | `path.to.key` | (per-service values as `<service>.key` or `<pipeline>.key`, see
// documentedForms). A documented map covers its children (e.g. `managementApi.resources`).
func checkValuesDoc(valuesFile, readmeFile string) []error {
	var values map[string]any
	if err := readYAML(valuesFile, &values); err != nil {
		return []error{err}
	}
	readme, err := os.ReadFile(readmeFile)
	if err != nil {
		return []error{err}
	}
	doc := string(readme)
	var missing []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		documented := false
		for _, form := range documentedForms(path) {
			documented = documented || strings.Contains(doc, "\n| `"+form+"` |")
		}
		m, isMap := v.(map[string]any)
		if documented {
			return
		}
		if isMap && len(m) > 0 {
			for k, child := range m {
				walk(path+"."+k, child)
			}
			return
		}
		if !documented {
			missing = append(missing, path)
		}
	}
	for k, v := range values {
		walk(k, v)
	}
	sort.Strings(missing)
	var errs []error
	for _, p := range missing {
		errs = append(errs, fmt.Errorf("value `%s` is not documented in %s", p, readmeFile))
	}
	return errs
}

// documentedForms: a per-service value may be documented once for all services, as
// `<service>.key`, or for the three pipeline services, as `<pipeline>.key`.
func documentedForms(path string) []string {
	forms := []string{path}
	first, rest, found := strings.Cut(path, ".")
	if !found {
		return forms
	}
	switch first {
	case "enricher", "matcher", "dispatcher":
		forms = append(forms, "<pipeline>."+rest)
		fallthrough
	case "managementApi":
		forms = append(forms, "<service>."+rest)
	}
	return forms
}

// ruleFile is the plain Prometheus rule file format.
type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Record      string            `json:"record"`
			Expr        string            `json:"expr"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

var headingLine = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*$`)

// githubAnchor is the anchor GitHub and most Markdown renderers give a heading.
func githubAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkRunbook: every alert has a severity, a summary, a description and a runbook_url that
// names a section of the runbook; every alert section of the runbook belongs to an alert.
func checkRunbook(runbookFile string, ruleFiles []string) []error {
	runbook, err := os.ReadFile(runbookFile)
	if err != nil {
		return []error{err}
	}
	anchors := map[string]bool{}
	alertSections := map[string]bool{}
	for _, m := range headingLine.FindAllStringSubmatch(string(runbook), -1) {
		anchors[githubAnchor(m[1])] = true
		if strings.HasPrefix(m[1], "Callhooks") {
			alertSections[m[1]] = true
		}
	}
	var errs []error
	alerts := map[string]bool{}
	for _, f := range ruleFiles {
		var rf ruleFile
		if err := readYAML(f, &rf); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, g := range rf.Groups {
			for _, r := range g.Rules {
				if r.Alert == "" {
					continue
				}
				alerts[r.Alert] = true
				where := fmt.Sprintf("%s: alert %s", f, r.Alert)
				if r.Labels["severity"] == "" {
					errs = append(errs, fmt.Errorf("%s has no severity label", where))
				}
				for _, a := range []string{"summary", "description", "runbook_url"} {
					if r.Annotations[a] == "" {
						errs = append(errs, fmt.Errorf("%s has no %s annotation", where, a))
					}
				}
				url := r.Annotations["runbook_url"]
				want := "deploy/observability/runbook.md#" + githubAnchor(r.Alert)
				if url != want {
					errs = append(errs, fmt.Errorf("%s: runbook_url %q, want %q", where, url, want))
				} else if !anchors[githubAnchor(r.Alert)] {
					errs = append(errs, fmt.Errorf("%s: %s has no section %q", where, runbookFile, r.Alert))
				}
			}
		}
	}
	for s := range alertSections {
		if !alerts[s] {
			errs = append(errs, fmt.Errorf("%s: section %q names no alert of the rules", runbookFile, s))
		}
	}
	return errs
}

// checkDashboard: the Grafana dashboard imports anywhere (no fixed datasource: every panel and
// query uses the datasource variable), panel ids are unique, every query has an expression.
// The expressions, with the dashboard variables replaced by sample values, are written as
// recording rules to exprsOut so promtool can check their PromQL.
func checkDashboard(file, exprsOut string) []error {
	data, err := os.ReadFile(file)
	if err != nil {
		return []error{err}
	}
	var dash struct {
		Title      string `json:"title"`
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name    string          `json:"name"`
				Type    string          `json:"type"`
				Query   json.RawMessage `json:"query"`
				Options []struct {
					Value string `json:"value"`
				} `json:"options"`
			} `json:"list"`
		} `json:"templating"`
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		return []error{fmt.Errorf("%s: not valid JSON: %w", file, err)}
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(file+": "+format, args...)) }
	if dash.Title == "" || dash.UID == "" {
		fail("title and uid are required")
	}
	dsVar := ""
	samples := map[string]string{"__rate_interval": "5m", "__interval": "1m", "__range": "1h"}
	for _, v := range dash.Templating.List {
		switch v.Type {
		case "datasource":
			var q string
			_ = json.Unmarshal(v.Query, &q)
			if q != "prometheus" {
				fail("datasource variable %s must be of type prometheus, is %q", v.Name, q)
			}
			dsVar = v.Name
		case "custom":
			if len(v.Options) > 0 {
				samples[v.Name] = v.Options[0].Value
			} else {
				samples[v.Name] = "1"
			}
		case "interval":
			samples[v.Name] = "5m"
		default:
			samples[v.Name] = ".*"
		}
	}
	if dsVar == "" {
		fail("no datasource variable: the dashboard would be tied to one Prometheus")
	}
	dsRef := "${" + dsVar + "}"
	ids := map[int]string{}
	type rule struct {
		Record string `json:"record"`
		Expr   string `json:"expr"`
	}
	var rules []rule
	var visit func(p panel)
	visit = func(p panel) {
		if prev, dup := ids[p.ID]; dup {
			fail("panel id %d used by %q and %q", p.ID, prev, p.Title)
		}
		ids[p.ID] = p.Title
		if p.Title == "" {
			fail("panel %d has no title", p.ID)
		}
		if p.GridPos == nil {
			fail("panel %q has no gridPos", p.Title)
		}
		if p.Type != "row" {
			if p.Datasource == nil || p.Datasource.UID != dsRef {
				fail("panel %q must use the datasource variable (uid %q)", p.Title, dsRef)
			}
			if len(p.Targets) == 0 {
				fail("panel %q has no queries", p.Title)
			}
		}
		for _, t := range p.Targets {
			if t.Datasource != nil && t.Datasource.UID != dsRef {
				fail("panel %q query %s must use the datasource variable", p.Title, t.RefID)
			}
			if strings.TrimSpace(t.Expr) == "" {
				fail("panel %q query %s has no expr", p.Title, t.RefID)
				continue
			}
			rules = append(rules, rule{Record: fmt.Sprintf("dashboard:panel_%d_%s", p.ID, strings.ToLower(t.RefID)), Expr: substituteVariables(t.Expr, samples)})
		}
		for _, c := range p.Panels {
			visit(c)
		}
	}
	for _, p := range dash.Panels {
		visit(p)
	}
	// Panels lie on a 24-column grid and must not cover each other.
	for i, a := range dash.Panels {
		if a.GridPos == nil {
			continue
		}
		if a.GridPos.X < 0 || a.GridPos.W < 1 || a.GridPos.X+a.GridPos.W > 24 || a.GridPos.H < 1 {
			fail("panel %q lies outside the 24-column grid (%+v)", a.Title, *a.GridPos)
		}
		for _, b := range dash.Panels[i+1:] {
			if b.GridPos != nil && overlap(*a.GridPos, *b.GridPos) {
				fail("panels %q and %q overlap", a.Title, b.Title)
			}
		}
	}
	if exprsOut != "" {
		out, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard-queries", "rules": rules}}})
		if err == nil {
			err = writeFile(exprsOut, out)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

type gridPos struct{ H, W, X, Y int }

func overlap(a, b gridPos) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

type panel struct {
	ID         int      `json:"id"`
	Title      string   `json:"title"`
	Type       string   `json:"type"`
	GridPos    *gridPos `json:"gridPos"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource *struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"`
}

var grafanaVariable = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\[\[([A-Za-z0-9_]+)\]\]|\$([A-Za-z0-9_]+)`)

func substituteVariables(expr string, samples map[string]string) string {
	return grafanaVariable.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVariable.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := samples[name]; ok {
			return v
		}
		return m
	})
}

func readYAML(file string, into any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}
