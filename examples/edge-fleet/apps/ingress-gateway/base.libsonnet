// ingress-gateway, the base: Envoy behind the site's public address,
// released as a canary Rollout.
local k8s = import 'k8s.libsonnet';
local rollout = import 'rollout.libsonnet';
local name = 'ingress-gateway';

local gateway =
  k8s.container(
    name,
    'registry.edge.example.com/platform/ingress-gateway',
    ports={ http: 8080, https: 8443, admin: 9901 },
    args=['--config-path', '/etc/envoy/envoy.yaml', '--log-format', '%L %n %v'],
  )
  + k8s.httpProbes('/ready', port='admin')
  + { volumeMounts: [{ name: 'config', mountPath: '/etc/envoy', readOnly: true }] };

[
  rollout.rollout(name, k8s.podSpec(name, [gateway], volumes=[k8s.configVolume('config', name + '-config')])),
  rollout.analysisTemplate(name, threshold=0.995),
  k8s.service(name, { http: 80, https: 443 }),
  k8s.podDisruptionBudget(name),
]
