// edge-api, the base: the site API that point-of-sale terminals and kiosks
// call. It keeps the site's orders in the regional database (credentials in
// the Secret edge-api-db, which the fleet overlay brings in) and serves
// from a local cache when the uplink is down. Released as a canary Rollout.
local k8s = import 'k8s.libsonnet';
local rollout = import 'rollout.libsonnet';
local name = 'edge-api';

local api =
  k8s.container(
    name,
    'registry.edge.example.com/commerce/edge-api',
    ports={ http: 8080, metrics: 9090 },
    env={
      CONFIG_FILE: '/etc/edge-api/edge-api.yaml',
      GOMEMLIMIT: { valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
    },
  )
  + k8s.httpProbes('/healthz')
  + {
    envFrom: [{ secretRef: { name: name + '-db' } }],
    volumeMounts: [
      { name: 'config', mountPath: '/etc/edge-api', readOnly: true },
      { name: 'cache', mountPath: '/var/cache/edge-api' },
    ],
  };

[
  rollout.rollout(name, k8s.podSpec(name, [api], volumes=[
    k8s.configVolume('config', name + '-config'),
    { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
  ])),
  rollout.analysisTemplate(name),
  k8s.service(name, { http: 80 }),
  k8s.podDisruptionBudget(name),
]
