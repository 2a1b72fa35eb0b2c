// telemetry-agent, the base: an OpenTelemetry collector on every node. It
// tails the node's container logs, scrapes the kubelet, receives OTLP from
// the site's applications on the node-local Service, and ships everything
// to the region's gateway. Reading /var/log needs root, so its namespace
// runs privileged pods (apps/catalog.yaml).
local k8s = import 'k8s.libsonnet';
local name = 'telemetry-agent';

local collector =
  k8s.container(
    name,
    'registry.edge.example.com/mirror/otel/opentelemetry-collector-contrib',
    ports={ 'otlp-grpc': 4317, 'otlp-http': 4318, health: 13133 },
    env={
      K8S_NODE_NAME: { valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      GOMEMLIMIT: { valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
    },
    args=['--config=/etc/otelcol/config.yaml'],
  )
  + k8s.httpProbes('/', port='health')
  + {
    securityContext+: { runAsNonRoot: false, runAsUser: 0 },
    volumeMounts: [
      { name: 'config', mountPath: '/etc/otelcol', readOnly: true },
      { name: 'varlogpods', mountPath: '/var/log/pods', readOnly: true },
      { name: 'checkpoints', mountPath: '/var/lib/otelcol' },
    ],
  };

[
  k8s.serviceAccount(name),
  k8s.clusterRole(name, [
    { apiGroups: [''], resources: ['nodes', 'nodes/stats', 'pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps'], resources: ['replicasets', 'deployments', 'daemonsets'], verbs: ['get', 'list', 'watch'] },
  ]),
  k8s.daemonSet(name, k8s.podSpec(name, [collector], serviceAccount=name, spread=false, volumes=[
    k8s.configVolume('config', name + '-config'),
    { name: 'varlogpods', hostPath: { path: '/var/log/pods', type: 'Directory' } },
    // Log read positions survive a restart of the agent.
    { name: 'checkpoints', hostPath: { path: '/var/lib/otelcol', type: 'DirectoryOrCreate' } },
  ])) {
    spec+: {
      template+: {
        spec+: {
          securityContext+: { runAsNonRoot: false, runAsUser: 0, runAsGroup: 0 },
          priorityClassName: 'system-node-critical',
          // On every node, including tainted ones.
          tolerations: [{ operator: 'Exists' }],
        },
      },
    },
  },
  // Applications send OTLP to the agent on their own node.
  k8s.service(name, { 'otlp-grpc': 4317, 'otlp-http': 4318 }) {
    spec+: { internalTrafficPolicy: 'Local' },
  },
]
