package main

import (
	"fmt"
	"strconv"
	"strings"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
)

// checkCallhooksInvariants checks what the callhooks chart promises for every service it
// deploys (label app.kubernetes.io/part-of=callhooks), with the values of its ci/ files:
// non-root read-only containers with a writable /tmp, the health endpoints as probes, the
// service listening on the port everything else points at, requests and limits, a grace period
// longer than the service's drain, a disruption budget, a network policy when policies are on,
// and no more consumers than partitions.
func checkCallhooksInvariants(r *rendered) []error {
	var errs []error
	fail := func(d *appsv1.Deployment, format string, args ...any) {
		errs = append(errs, fmt.Errorf("Deployment %s: %s", d.Name, fmt.Sprintf(format, args...)))
	}
	partitions := -1
	prefix := ""
	for _, d := range r.deployments {
		if d.Labels["app.kubernetes.io/part-of"] != "callhooks" {
			continue
		}
		pod := &d.Spec.Template.Spec
		if pod.SecurityContext == nil || !ptrTrue(pod.SecurityContext.RunAsNonRoot) {
			fail(d, "pod securityContext.runAsNonRoot must be true")
		}
		if len(pod.TopologySpreadConstraints) == 0 {
			fail(d, "no topologySpreadConstraints")
		}
		if len(pod.Containers) != 1 {
			fail(d, "expected one container, found %d", len(pod.Containers))
			continue
		}
		c := &pod.Containers[0]
		env := effectiveEnv(r, c)
		sc := c.SecurityContext
		if sc == nil || !ptrTrue(sc.ReadOnlyRootFilesystem) {
			fail(d, "container %s: readOnlyRootFilesystem must be true", c.Name)
		}
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			fail(d, "container %s: allowPrivilegeEscalation must be false", c.Name)
		}
		if !mountsEmptyDir(pod, c, "/tmp") {
			fail(d, "container %s: /tmp must be a writable emptyDir (the root filesystem is read-only)", c.Name)
		}
		if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
			fail(d, "container %s: liveness probe must be GET /healthz", c.Name)
		}
		if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
			fail(d, "container %s: readiness probe must be GET /readyz", c.Name)
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[res]; !ok {
				fail(d, "container %s: no %s request", c.Name, res)
			}
			if _, ok := c.Resources.Limits[res]; !ok {
				fail(d, "container %s: no %s limit", c.Name, res)
			}
		}
		// The pod must outlive the preStop pause and the service's own drain.
		shutdownMs, err := strconv.Atoi(env["SHUTDOWN_TIMEOUT_MS"])
		if err != nil {
			fail(d, "container %s: SHUTDOWN_TIMEOUT_MS is not set from a rendered ConfigMap (%q)", c.Name, env["SHUTDOWN_TIMEOUT_MS"])
		} else {
			preStop := preStopSleepSeconds(c)
			grace := int64(30)
			if pod.TerminationGracePeriodSeconds != nil {
				grace = *pod.TerminationGracePeriodSeconds
			}
			if grace*1000 <= int64(shutdownMs)+preStop*1000 {
				fail(d, "terminationGracePeriodSeconds %d must exceed preStop %ds + SHUTDOWN_TIMEOUT_MS %dms", grace, preStop, shutdownMs)
			}
		}
		// The service listens on HTTP_PORT; probes, the Service and the monitors use the port named http.
		httpPort := int32(-1)
		for _, p := range c.Ports {
			if p.Name == "http" {
				httpPort = p.ContainerPort
			}
		}
		if env["HTTP_PORT"] != strconv.Itoa(int(httpPort)) {
			fail(d, "container %s: HTTP_PORT %q is not its port named http (%d)", c.Name, env["HTTP_PORT"], httpPort)
		}
		for _, key := range []string{"KAFKA_BROKERS", "SCHEMA_REGISTRY_URL"} {
			if env[key] == "" {
				fail(d, "container %s: %s is not set from a rendered ConfigMap", c.Name, key)
			}
		}
		if p, err := strconv.Atoi(env["KAFKA_TOPIC_PARTITIONS"]); err == nil {
			partitions = p
		}
		prefix = env["KAFKA_TOPIC_PREFIX"]
		if !hasPDB(r, d) {
			fail(d, "no PodDisruptionBudget selects its pods")
		}
		if len(r.byKind["NetworkPolicy"]) > 0 && !hasNetworkPolicy(r, d) {
			fail(d, "network policies are rendered but none selects its pods")
		}
	}
	// Replicas beyond the partition count would idle in the consumer group.
	if partitions > 0 {
		for _, d := range r.deployments {
			component := d.Labels["app.kubernetes.io/component"]
			if d.Labels["app.kubernetes.io/part-of"] != "callhooks" || component == "management-api" {
				continue
			}
			if d.Spec.Replicas != nil && int(*d.Spec.Replicas) > partitions {
				errs = append(errs, fmt.Errorf("Deployment %s: %d replicas but KAFKA_TOPIC_PARTITIONS is %d", d.Name, *d.Spec.Replicas, partitions))
			}
		}
		for _, o := range r.byKind["ScaledObject"] {
			so := o.obj.(*kedav1alpha1.ScaledObject)
			if so.Spec.MaxReplicaCount == nil {
				errs = append(errs, fmt.Errorf("%s: maxReplicaCount must be set (at most KAFKA_TOPIC_PARTITIONS %d)", o, partitions))
			} else if int(*so.Spec.MaxReplicaCount) > partitions {
				errs = append(errs, fmt.Errorf("%s: maxReplicaCount %d is above KAFKA_TOPIC_PARTITIONS %d", o, *so.Spec.MaxReplicaCount, partitions))
			}
			// The services prefix their topics and group ids; the scaler must read the same ones.
			for _, t := range so.Spec.Triggers {
				if t.Type != "kafka" {
					continue
				}
				for _, key := range []string{"topic", "consumerGroup"} {
					if !strings.HasPrefix(t.Metadata[key], prefix) {
						errs = append(errs, fmt.Errorf("%s: kafka trigger %s %q does not start with KAFKA_TOPIC_PREFIX %q", o, key, t.Metadata[key], prefix))
					}
				}
			}
		}
	}
	return errs
}

// effectiveEnv resolves the container's plain environment: envFrom ConfigMaps that are rendered, then env values.
func effectiveEnv(r *rendered, c *corev1.Container) map[string]string {
	env := map[string]string{}
	for _, src := range c.EnvFrom {
		if src.ConfigMapRef == nil {
			continue
		}
		if o := r.get("ConfigMap", src.ConfigMapRef.Name); o != nil {
			for k, v := range o.obj.(*corev1.ConfigMap).Data {
				env[src.Prefix+k] = v
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	return env
}

func mountsEmptyDir(pod *corev1.PodSpec, c *corev1.Container, path string) bool {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path || m.ReadOnly {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.EmptyDir != nil {
				return true
			}
		}
	}
	return false
}

func preStopSleepSeconds(c *corev1.Container) int64 {
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		return 0
	}
	h := c.Lifecycle.PreStop
	if h.Sleep != nil {
		return h.Sleep.Seconds
	}
	if h.Exec != nil && len(h.Exec.Command) == 2 && h.Exec.Command[0] == "sleep" {
		if s, err := strconv.ParseInt(h.Exec.Command[1], 10, 64); err == nil {
			return s
		}
	}
	return 0
}

func hasPDB(r *rendered, d *appsv1.Deployment) bool {
	for _, o := range r.byKind["PodDisruptionBudget"] {
		if ok, _ := selects(o.obj.(*policyv1.PodDisruptionBudget).Spec.Selector, d); ok {
			return true
		}
	}
	return false
}

func hasNetworkPolicy(r *rendered, d *appsv1.Deployment) bool {
	for _, o := range r.byKind["NetworkPolicy"] {
		sel := o.obj.(*networkingv1.NetworkPolicy).Spec.PodSelector
		if ok, _ := selects(&sel, d); ok {
			return true
		}
	}
	return false
}
