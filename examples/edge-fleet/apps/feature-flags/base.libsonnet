// feature-flags, the base: a flagd relay that mirrors the region's flag
// definitions, so the applications of a large site keep their flags when
// the uplink is down.
local k8s = import 'k8s.libsonnet';
local name = 'feature-flags';

local flagd =
  k8s.container(
    name,
    'registry.edge.example.com/mirror/open-feature/flagd',
    ports={ grpc: 8013, http: 8016, metrics: 8014 },
    args=['start', '--config', '/etc/flagd/sources.yaml'],
  )
  + k8s.httpProbes('/healthz', port='metrics')
  + {
    readinessProbe+: { httpGet+: { path: '/readyz' } },
    volumeMounts: [{ name: 'config', mountPath: '/etc/flagd', readOnly: true }],
  };

[
  k8s.deployment(name, k8s.podSpec(name, [flagd], volumes=[k8s.configVolume('config', name + '-config')])),
  k8s.service(name, { grpc: 8013, http: 8016 }),
  k8s.podDisruptionBudget(name),
]
