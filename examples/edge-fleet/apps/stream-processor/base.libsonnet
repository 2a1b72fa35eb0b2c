// stream-processor, the base: reads device telemetry from the site's MQTT
// broker, aggregates it per minute and device class, and publishes the
// aggregates for the hub. Large sites produce too much raw telemetry to
// ship as it is. It serves nothing but metrics, so it has no Service.
local k8s = import 'k8s.libsonnet';
local name = 'stream-processor';

local processor =
  k8s.container(
    name,
    'registry.edge.example.com/iot/stream-processor',
    ports={ metrics: 9090 },
    env={
      CONFIG_FILE: '/etc/stream-processor/pipeline.yaml',
      GOMEMLIMIT: { valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
    },
  )
  + k8s.httpProbes('/healthz', port='metrics')
  + {
    volumeMounts: [
      { name: 'config', mountPath: '/etc/stream-processor', readOnly: true },
      { name: 'state', mountPath: '/var/lib/stream-processor' },
    ],
  };

[
  k8s.deployment(name, k8s.podSpec(name, [processor], volumes=[
    k8s.configVolume('config', name + '-config'),
    { name: 'state', emptyDir: { sizeLimit: '4Gi' } },
  ])),
  k8s.podDisruptionBudget(name),
]
