package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// object is one rendered document, decoded into its API type.
type object struct {
	source     string // the template it came from ("# Source:" line of helm template)
	apiVersion string
	kind       string
	name       string
	obj        runtime.Object
}

func (o *object) String() string {
	return fmt.Sprintf("%s %s (%s)", o.kind, o.name, o.source)
}

var (
	apiScheme = newScheme()
	// The API server's strict decoder: unknown and duplicate fields are errors, not silently dropped.
	strictDecoder = serializer.NewCodecFactory(apiScheme, serializer.EnableStrict).UniversalDeserializer()
	sourceLine    = regexp.MustCompile(`(?m)^# Source: (.+)$`)
	stableVersion = regexp.MustCompile(`^v[0-9]+$`)
	builtinGroups = builtinGroupSet()
)

func builtinGroupSet() map[string]bool {
	groups := map[string]bool{}
	for gvk := range clientgoscheme.Scheme.AllKnownTypes() {
		groups[gvk.Group] = true
	}
	return groups
}

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, // every built-in kind of the Kubernetes release k8s.io/api is from
		monitoringv1.AddToScheme,   // ServiceMonitor, PodMonitor, PrometheusRule
		kedav1alpha1.AddToScheme,   // ScaledObject, TriggerAuthentication
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// decodeAll splits a multi-document YAML stream and decodes each document strictly.
func decodeAll(data []byte) ([]*object, []error) {
	var objects []*object
	var problems []error
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 1; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("document %d: %w", i, err))
			break
		}
		source := fmt.Sprintf("document %d", i)
		if m := sourceLine.FindSubmatch(doc); m != nil {
			source = string(m[1])
		}
		if isEmptyDocument(doc) {
			continue
		}
		o, err := decodeOne(doc, source)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		objects = append(objects, o)
	}
	if len(objects) == 0 && len(problems) == 0 {
		problems = append(problems, errNoObjects)
	}
	return objects, problems
}

func isEmptyDocument(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") && t != "---" {
			return false
		}
	}
	return true
}

func decodeOne(doc []byte, source string) (*object, error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", source, err)
	}
	if head.APIVersion == "" || head.Kind == "" {
		return nil, fmt.Errorf("%s: apiVersion and kind are required", source)
	}
	gvk := schema.FromAPIVersionAndKind(head.APIVersion, head.Kind)
	if !apiScheme.Recognizes(gvk) {
		return nil, fmt.Errorf("%s: %s %s is not a kind this Kubernetes release (or the operators' CRDs) serves", source, head.APIVersion, head.Kind)
	}
	// k8s.io/api still carries the Go types of beta versions the API server no longer serves
	// (apps/v1beta1, policy/v1beta1, ...): built-in kinds must use a GA version.
	if builtinGroups[gvk.Group] && !stableVersion.MatchString(gvk.Version) {
		return nil, fmt.Errorf("%s: %s %s is not a GA API version (removed or not served by default)", source, head.APIVersion, head.Kind)
	}
	obj, _, err := strictDecoder.Decode(doc, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s (%s): %w", head.Kind, head.Metadata.Name, source, err)
	}
	return &object{source: source, apiVersion: head.APIVersion, kind: head.Kind, name: head.Metadata.Name, obj: obj}, nil
}

// writeRules writes each PrometheusRule's groups as a plain Prometheus rule file.
func writeRules(objects []*object, dir string) error {
	for _, o := range objects {
		pr, ok := o.obj.(*monitoringv1.PrometheusRule)
		if !ok {
			continue
		}
		out, err := yaml.Marshal(map[string]any{"groups": pr.Spec.Groups})
		if err != nil {
			return fmt.Errorf("%s: %w", o, err)
		}
		if err := writeFile(fmt.Sprintf("%s/%s.rules.yaml", dir, pr.Name), out); err != nil {
			return err
		}
	}
	return nil
}
