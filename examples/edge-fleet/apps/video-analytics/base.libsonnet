// video-analytics, the base: object detection on the site's camera streams,
// on the GPU nodes of large sites. Only counts and events leave the site;
// video never does.
local k8s = import 'k8s.libsonnet';
local name = 'video-analytics';

local inference =
  k8s.container(
    name,
    'registry.edge.example.com/vision/video-analytics',
    ports={ http: 8080, metrics: 9090 },
    env={
      CONFIG_FILE: '/etc/video-analytics/streams.yaml',
      EVENTS_URL: 'mqtt://mqtt-broker.edge-mqtt.svc:1883',
    },
  )
  + k8s.httpProbes('/healthz')
  + {
    volumeMounts: [
      { name: 'config', mountPath: '/etc/video-analytics', readOnly: true },
      { name: 'models', mountPath: '/models' },
    ],
  };

[
  k8s.deployment(name, k8s.podSpec(name, [inference], volumes=[
    k8s.configVolume('config', name + '-config'),
    // Model weights, fetched by the init step of the image at start.
    { name: 'models', emptyDir: { sizeLimit: '10Gi' } },
  ])) {
    spec+: {
      template+: {
        spec+: {
          nodeSelector: { 'edge.example.com/pool': 'gpu' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        },
      },
    },
  },
  k8s.service(name, { http: 80 }),
  k8s.podDisruptionBudget(name),
]
