package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// References to objects whose names start with this prefix must point at rendered objects
// (the release's own); other names are the user's existing Secrets and ConfigMaps.
var ownedPrefix = new(string)

// rendered indexes the objects by kind and name.
type rendered struct {
	all         []*object
	byKind      map[string]map[string]*object
	deployments []*appsv1.Deployment
}

func index(objects []*object) (*rendered, []error) {
	r := &rendered{all: objects, byKind: map[string]map[string]*object{}}
	var problems []error
	for _, o := range objects {
		if r.byKind[o.kind] == nil {
			r.byKind[o.kind] = map[string]*object{}
		}
		if prev, dup := r.byKind[o.kind][o.name]; dup {
			problems = append(problems, fmt.Errorf("%s: rendered twice (also in %s)", o, prev.source))
		}
		r.byKind[o.kind][o.name] = o
		if d, ok := o.obj.(*appsv1.Deployment); ok {
			r.deployments = append(r.deployments, d)
		}
	}
	return r, problems
}

func (r *rendered) get(kind, name string) *object { return r.byKind[kind][name] }

func owned(name string) bool { return *ownedPrefix != "" && strings.HasPrefix(name, *ownedPrefix) }

// checkObjects runs the per-object and cross-object checks.
func checkObjects(objects []*object) []error {
	r, problems := index(objects)
	add := func(o *object, errs ...error) {
		for _, e := range errs {
			if e != nil {
				problems = append(problems, fmt.Errorf("%s: %w", o, e))
			}
		}
	}
	for _, o := range objects {
		add(o, checkMeta(o)...)
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			add(o, checkDeployment(r, v)...)
		case *corev1.Service:
			add(o, checkService(r, v)...)
		case *policyv1.PodDisruptionBudget:
			add(o, checkPDB(r, v)...)
		case *autoscalingv2.HorizontalPodAutoscaler:
			add(o, checkHPA(r, v)...)
		case *networkingv1.NetworkPolicy:
			add(o, checkNetworkPolicy(r, v)...)
		case *networkingv1.Ingress:
			add(o, checkIngress(r, v)...)
		case *kedav1alpha1.ScaledObject:
			add(o, checkScaledObject(r, v)...)
		case *kedav1alpha1.TriggerAuthentication:
			add(o, checkTriggerAuthentication(r, v)...)
		case *monitoringv1.ServiceMonitor:
			add(o, checkServiceMonitor(r, v)...)
		case *monitoringv1.PodMonitor:
			add(o, checkPodMonitor(r, v)...)
		case *monitoringv1.PrometheusRule:
			add(o, checkPrometheusRule(v)...)
		}
	}
	problems = append(problems, checkCallhooksInvariants(r)...)
	return problems
}

func fieldErrors(list field.ErrorList) []error {
	out := make([]error, 0, len(list))
	for _, e := range list {
		out = append(out, e)
	}
	return out
}

func checkMeta(o *object) []error {
	meta, err := metaOf(o)
	if err != nil {
		return []error{err}
	}
	var errs []error
	if meta.Name == "" {
		errs = append(errs, fmt.Errorf("metadata.name is required"))
	} else {
		// Services become DNS labels; everything else here is a DNS subdomain.
		var msgs []string
		if o.kind == "Service" {
			msgs = validation.IsDNS1035Label(meta.Name)
		} else {
			msgs = validation.IsDNS1123Subdomain(meta.Name)
		}
		for _, m := range msgs {
			errs = append(errs, fmt.Errorf("metadata.name %q: %s", meta.Name, m))
		}
	}
	errs = append(errs, fieldErrors(metav1validation.ValidateLabels(meta.Labels, field.NewPath("metadata", "labels")))...)
	errs = append(errs, fieldErrors(apimachineryvalidation.ValidateAnnotations(meta.Annotations, field.NewPath("metadata", "annotations")))...)
	return errs
}

func metaOf(o *object) (*metav1.ObjectMeta, error) {
	accessor, ok := o.obj.(metav1.ObjectMetaAccessor)
	if !ok {
		return nil, fmt.Errorf("has no object metadata")
	}
	return accessor.GetObjectMeta().(*metav1.ObjectMeta), nil
}

// selects tells whether a label selector selects the pods of a Deployment.
func selects(sel *metav1.LabelSelector, d *appsv1.Deployment) (bool, error) {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, err
	}
	return !s.Empty() && s.Matches(labels.Set(d.Spec.Template.Labels)), nil
}

func selectedDeployments(r *rendered, sel *metav1.LabelSelector) ([]*appsv1.Deployment, error) {
	var out []*appsv1.Deployment
	for _, d := range r.deployments {
		ok, err := selects(sel, d)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func containerPortNames(d *appsv1.Deployment) map[string]bool {
	names := map[string]bool{}
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name != "" {
				names[p.Name] = true
			}
		}
	}
	return names
}

func checkDeployment(r *rendered, d *appsv1.Deployment) []error {
	var errs []error
	if d.Spec.Selector == nil {
		return []error{fmt.Errorf("spec.selector is required")}
	}
	if ok, err := selects(d.Spec.Selector, d); err != nil || !ok {
		errs = append(errs, fmt.Errorf("spec.selector does not select the pod template's labels %v", d.Spec.Template.Labels))
	}
	pod := &d.Spec.Template.Spec
	if len(pod.Containers) == 0 {
		errs = append(errs, fmt.Errorf("no containers"))
	}
	volumes := map[string]*corev1.Volume{}
	for i := range pod.Volumes {
		v := &pod.Volumes[i]
		if volumes[v.Name] != nil {
			errs = append(errs, fmt.Errorf("volume %q declared twice", v.Name))
		}
		volumes[v.Name] = v
		if v.Secret != nil {
			errs = append(errs, checkRef(r, "Secret", v.Secret.SecretName, "volume "+v.Name, itemKeys(v.Secret.Items)...)...)
		}
		if v.ConfigMap != nil {
			errs = append(errs, checkRef(r, "ConfigMap", v.ConfigMap.Name, "volume "+v.Name, itemKeys(v.ConfigMap.Items)...)...)
		}
	}
	if sa := pod.ServiceAccountName; sa != "" && owned(sa) && r.get("ServiceAccount", sa) == nil {
		errs = append(errs, fmt.Errorf("serviceAccountName %q is not rendered", sa))
	}
	seen := map[string]bool{}
	for _, c := range append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...) {
		where := "container " + c.Name
		for _, m := range validation.IsDNS1123Label(c.Name) {
			errs = append(errs, fmt.Errorf("%s: name: %s", where, m))
		}
		if seen[c.Name] {
			errs = append(errs, fmt.Errorf("%s: name used twice", where))
		}
		seen[c.Name] = true
		if c.Image == "" {
			errs = append(errs, fmt.Errorf("%s: image is required", where))
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.ContainerPort < 1 || p.ContainerPort > 65535 {
				errs = append(errs, fmt.Errorf("%s: containerPort %d out of range", where, p.ContainerPort))
			}
			if p.Name != "" {
				for _, m := range validation.IsValidPortName(p.Name) {
					errs = append(errs, fmt.Errorf("%s: port name %q: %s", where, p.Name, m))
				}
				if ports[p.Name] {
					errs = append(errs, fmt.Errorf("%s: port name %q used twice", where, p.Name))
				}
				ports[p.Name] = true
			}
		}
		for name, probe := range map[string]*corev1.Probe{"startupProbe": c.StartupProbe, "livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
			if probe == nil {
				continue
			}
			if probe.HTTPGet == nil && probe.TCPSocket == nil && probe.Exec == nil && probe.GRPC == nil {
				errs = append(errs, fmt.Errorf("%s: %s has no handler", where, name))
			}
			if probe.HTTPGet != nil {
				errs = append(errs, checkPortRef(probe.HTTPGet.Port, ports, fmt.Sprintf("%s: %s", where, name))...)
				if !strings.HasPrefix(probe.HTTPGet.Path, "/") {
					errs = append(errs, fmt.Errorf("%s: %s path %q must start with /", where, name, probe.HTTPGet.Path))
				}
			}
		}
		envNames := map[string]bool{}
		for _, e := range c.Env {
			for _, m := range validation.IsEnvVarName(e.Name) {
				errs = append(errs, fmt.Errorf("%s: env %q: %s", where, e.Name, m))
			}
			if envNames[e.Name] {
				errs = append(errs, fmt.Errorf("%s: env %q set twice", where, e.Name))
			}
			envNames[e.Name] = true
			if e.Value != "" && e.ValueFrom != nil {
				errs = append(errs, fmt.Errorf("%s: env %q has both value and valueFrom", where, e.Name))
			}
			if f := e.ValueFrom; f != nil {
				if f.SecretKeyRef != nil && !ptrTrue(f.SecretKeyRef.Optional) {
					errs = append(errs, checkRef(r, "Secret", f.SecretKeyRef.Name, where+" env "+e.Name, f.SecretKeyRef.Key)...)
				}
				if f.ConfigMapKeyRef != nil && !ptrTrue(f.ConfigMapKeyRef.Optional) {
					errs = append(errs, checkRef(r, "ConfigMap", f.ConfigMapKeyRef.Name, where+" env "+e.Name, f.ConfigMapKeyRef.Key)...)
				}
			}
		}
		for _, src := range c.EnvFrom {
			if src.ConfigMapRef != nil && !ptrTrue(src.ConfigMapRef.Optional) {
				errs = append(errs, checkRef(r, "ConfigMap", src.ConfigMapRef.Name, where+" envFrom")...)
			}
			if src.SecretRef != nil && !ptrTrue(src.SecretRef.Optional) {
				errs = append(errs, checkRef(r, "Secret", src.SecretRef.Name, where+" envFrom")...)
			}
		}
		for _, m := range c.VolumeMounts {
			if volumes[m.Name] == nil {
				errs = append(errs, fmt.Errorf("%s: volumeMount %q names no volume", where, m.Name))
			}
		}
		for res, limit := range c.Resources.Limits {
			if req, ok := c.Resources.Requests[res]; ok && req.Cmp(limit) > 0 {
				errs = append(errs, fmt.Errorf("%s: %s request %s is above its limit %s", where, res, req.String(), limit.String()))
			}
		}
	}
	for _, t := range pod.TopologySpreadConstraints {
		if t.MaxSkew < 1 || t.TopologyKey == "" {
			errs = append(errs, fmt.Errorf("topologySpreadConstraint needs maxSkew >= 1 and a topologyKey"))
		}
		if t.LabelSelector != nil {
			if ok, _ := selects(t.LabelSelector, d); !ok {
				errs = append(errs, fmt.Errorf("topologySpreadConstraint on %s does not select the deployment's own pods", t.TopologyKey))
			}
		}
	}
	return errs
}

func ptrTrue(b *bool) bool { return b != nil && *b }

func itemKeys(items []corev1.KeyToPath) []string {
	keys := make([]string, 0, len(items))
	for _, i := range items {
		keys = append(keys, i.Key)
	}
	return keys
}

// checkRef checks a reference to a ConfigMap or Secret: one of the release's own must be
// rendered and hold the keys; another is the user's (existingSecret) and cannot be checked here.
func checkRef(r *rendered, kind, name, where string, keys ...string) []error {
	if name == "" {
		return []error{fmt.Errorf("%s: %s name is empty", where, kind)}
	}
	o := r.get(kind, name)
	if o == nil {
		if owned(name) {
			return []error{fmt.Errorf("%s: %s %q is not rendered", where, kind, name)}
		}
		return nil
	}
	var have map[string]bool
	switch v := o.obj.(type) {
	case *corev1.ConfigMap:
		have = map[string]bool{}
		for k := range v.Data {
			have[k] = true
		}
		for k := range v.BinaryData {
			have[k] = true
		}
	case *corev1.Secret:
		have = map[string]bool{}
		for k := range v.Data {
			have[k] = true
		}
		for k := range v.StringData {
			have[k] = true
		}
	}
	var errs []error
	for _, k := range keys {
		if !have[k] {
			errs = append(errs, fmt.Errorf("%s: %s %q has no key %q", where, kind, name, k))
		}
	}
	return errs
}

func checkPortRef(port intstr.IntOrString, names map[string]bool, where string) []error {
	if port.Type == intstr.String {
		if !names[port.StrVal] {
			return []error{fmt.Errorf("%s: port %q names no container port", where, port.StrVal)}
		}
		return nil
	}
	if port.IntVal < 1 || port.IntVal > 65535 {
		return []error{fmt.Errorf("%s: port %d out of range", where, port.IntVal)}
	}
	return nil
}

func checkService(r *rendered, s *corev1.Service) []error {
	var errs []error
	if len(s.Spec.Ports) == 0 {
		errs = append(errs, fmt.Errorf("spec.ports is empty"))
	}
	if len(s.Spec.Selector) == 0 {
		return append(errs, fmt.Errorf("spec.selector is empty"))
	}
	selected, _ := selectedDeployments(r, &metav1.LabelSelector{MatchLabels: s.Spec.Selector})
	if len(selected) == 0 {
		return append(errs, fmt.Errorf("spec.selector %v selects no rendered pods", s.Spec.Selector))
	}
	for _, p := range s.Spec.Ports {
		for _, d := range selected {
			errs = append(errs, checkPortRef(p.TargetPort, containerPortNames(d), "port "+p.Name+" targetPort")...)
		}
	}
	return errs
}

func checkPDB(r *rendered, p *policyv1.PodDisruptionBudget) []error {
	var errs []error
	if (p.Spec.MinAvailable == nil) == (p.Spec.MaxUnavailable == nil) {
		errs = append(errs, fmt.Errorf("set exactly one of minAvailable and maxUnavailable"))
	}
	if p.Spec.Selector == nil {
		return append(errs, fmt.Errorf("spec.selector is required"))
	}
	if selected, err := selectedDeployments(r, p.Spec.Selector); err != nil || len(selected) == 0 {
		errs = append(errs, fmt.Errorf("spec.selector selects no rendered pods"))
	}
	return errs
}

func checkScaleTarget(r *rendered, apiVersion, kind, name string) []error {
	if apiVersion != "apps/v1" || kind != "Deployment" {
		return []error{fmt.Errorf("scale target %s %s %s is not an apps/v1 Deployment", apiVersion, kind, name)}
	}
	if r.get("Deployment", name) == nil {
		return []error{fmt.Errorf("scale target Deployment %q is not rendered", name)}
	}
	return nil
}

func checkHPA(r *rendered, h *autoscalingv2.HorizontalPodAutoscaler) []error {
	t := h.Spec.ScaleTargetRef
	errs := checkScaleTarget(r, t.APIVersion, t.Kind, t.Name)
	if h.Spec.MinReplicas != nil && *h.Spec.MinReplicas > h.Spec.MaxReplicas {
		errs = append(errs, fmt.Errorf("minReplicas %d is above maxReplicas %d", *h.Spec.MinReplicas, h.Spec.MaxReplicas))
	}
	if len(h.Spec.Metrics) == 0 {
		errs = append(errs, fmt.Errorf("no metrics"))
	}
	if d, ok := r.get("Deployment", t.Name).objOrNil().(*appsv1.Deployment); ok {
		for _, c := range d.Spec.Template.Spec.Containers {
			if _, has := c.Resources.Requests[corev1.ResourceCPU]; !has {
				errs = append(errs, fmt.Errorf("scales on CPU but container %s requests no CPU", c.Name))
			}
		}
	}
	return errs
}

func (o *object) objOrNil() any {
	if o == nil {
		return nil
	}
	return o.obj
}

func checkNetworkPolicy(r *rendered, n *networkingv1.NetworkPolicy) []error {
	selected, err := selectedDeployments(r, &n.Spec.PodSelector)
	if err != nil || len(selected) == 0 {
		return []error{fmt.Errorf("spec.podSelector selects no rendered pods")}
	}
	var errs []error
	for _, rule := range n.Spec.Ingress {
		for _, p := range rule.Ports {
			if p.Port != nil && p.Port.Type == intstr.String {
				for _, d := range selected {
					errs = append(errs, checkPortRef(*p.Port, containerPortNames(d), "ingress port")...)
				}
			}
		}
	}
	return errs
}

func checkIngress(r *rendered, i *networkingv1.Ingress) []error {
	var errs []error
	for _, rule := range i.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for _, p := range rule.HTTP.Paths {
			if p.PathType == nil {
				errs = append(errs, fmt.Errorf("path %q needs a pathType", p.Path))
			}
			if p.Backend.Service == nil {
				continue
			}
			so := r.get("Service", p.Backend.Service.Name)
			if so == nil {
				if owned(p.Backend.Service.Name) {
					errs = append(errs, fmt.Errorf("backend Service %q is not rendered", p.Backend.Service.Name))
				}
				continue
			}
			if name := p.Backend.Service.Port.Name; name != "" && !servicePortNames(so.obj.(*corev1.Service))[name] {
				errs = append(errs, fmt.Errorf("backend Service %q has no port %q", p.Backend.Service.Name, name))
			}
		}
	}
	return errs
}

func servicePortNames(s *corev1.Service) map[string]bool {
	names := map[string]bool{}
	for _, p := range s.Spec.Ports {
		names[p.Name] = true
	}
	return names
}

func checkScaledObject(r *rendered, so *kedav1alpha1.ScaledObject) []error {
	t := so.Spec.ScaleTargetRef
	if t == nil {
		return []error{fmt.Errorf("spec.scaleTargetRef is required")}
	}
	apiVersion, kind := t.APIVersion, t.Kind
	if apiVersion == "" {
		apiVersion = "apps/v1"
	}
	if kind == "" {
		kind = "Deployment"
	}
	errs := checkScaleTarget(r, apiVersion, kind, t.Name)
	// KEDA's admission webhook checks that need no cluster.
	if err := kedav1alpha1.ValidateTriggers(so.Spec.Triggers); err != nil {
		errs = append(errs, err)
	}
	if err := kedav1alpha1.CheckReplicaCountBoundsAreValid(so); err != nil {
		errs = append(errs, err)
	}
	if err := kedav1alpha1.CheckFallbackValid(so); err != nil {
		errs = append(errs, err)
	}
	for _, h := range r.byKind["HorizontalPodAutoscaler"] {
		if h.obj.(*autoscalingv2.HorizontalPodAutoscaler).Spec.ScaleTargetRef.Name == t.Name {
			errs = append(errs, fmt.Errorf("Deployment %q is also scaled by %s: KEDA refuses a workload managed by another HPA", t.Name, h))
		}
	}
	for _, trig := range so.Spec.Triggers {
		if ref := trig.AuthenticationRef; ref != nil && (ref.Kind == "" || ref.Kind == "TriggerAuthentication") && r.get("TriggerAuthentication", ref.Name) == nil {
			errs = append(errs, fmt.Errorf("trigger %s: TriggerAuthentication %q is not rendered", trig.Type, ref.Name))
		}
		if trig.Type == "kafka" {
			for _, key := range []string{"bootstrapServers", "consumerGroup", "topic", "lagThreshold"} {
				if trig.Metadata[key] == "" {
					errs = append(errs, fmt.Errorf("kafka trigger: metadata.%s is required", key))
				}
			}
		}
	}
	return errs
}

func checkTriggerAuthentication(r *rendered, ta *kedav1alpha1.TriggerAuthentication) []error {
	var errs []error
	if _, err := ta.ValidateCreate(nil); err != nil {
		errs = append(errs, err)
	}
	for _, ref := range ta.Spec.SecretTargetRef {
		errs = append(errs, checkRef(r, "Secret", ref.Name, "secretTargetRef "+ref.Parameter, ref.Key)...)
	}
	return errs
}

func checkServiceMonitor(r *rendered, sm *monitoringv1.ServiceMonitor) []error {
	var matched []*corev1.Service
	sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil {
		return []error{err}
	}
	for _, o := range r.byKind["Service"] {
		s := o.obj.(*corev1.Service)
		if !sel.Empty() && sel.Matches(labels.Set(s.Labels)) {
			matched = append(matched, s)
		}
	}
	if len(matched) == 0 {
		return []error{fmt.Errorf("spec.selector selects no rendered Service")}
	}
	var errs []error
	for _, ep := range sm.Spec.Endpoints {
		for _, s := range matched {
			if ep.Port != "" && !servicePortNames(s)[ep.Port] {
				errs = append(errs, fmt.Errorf("endpoint port %q is not a port of Service %s", ep.Port, s.Name))
			}
		}
	}
	return errs
}

func checkPodMonitor(r *rendered, pm *monitoringv1.PodMonitor) []error {
	selected, err := selectedDeployments(r, &pm.Spec.Selector)
	if err != nil || len(selected) == 0 {
		return []error{fmt.Errorf("spec.selector selects no rendered pods")}
	}
	var errs []error
	for _, ep := range pm.Spec.PodMetricsEndpoints {
		for _, d := range selected {
			if ep.Port != nil && *ep.Port != "" && !containerPortNames(d)[*ep.Port] {
				errs = append(errs, fmt.Errorf("podMetricsEndpoint port %q is not a container port of %s", *ep.Port, d.Name))
			}
		}
	}
	return errs
}

func checkPrometheusRule(pr *monitoringv1.PrometheusRule) []error {
	var errs []error
	if len(pr.Spec.Groups) == 0 {
		errs = append(errs, fmt.Errorf("no rule groups"))
	}
	for _, g := range pr.Spec.Groups {
		if len(g.Rules) == 0 {
			errs = append(errs, fmt.Errorf("group %s has no rules", g.Name))
		}
		for _, rule := range g.Rules {
			if (rule.Alert == "") == (rule.Record == "") {
				errs = append(errs, fmt.Errorf("group %s: a rule needs exactly one of alert and record", g.Name))
			}
			if rule.Expr.String() == "" {
				errs = append(errs, fmt.Errorf("group %s: rule %s%s has no expr", g.Name, rule.Alert, rule.Record))
			}
		}
	}
	return errs
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
