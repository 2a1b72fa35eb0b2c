// ota-updater, the base: schedules firmware updates of the site's devices
// and serves the images (through the content cache) in the site's quiet
// hours.
local k8s = import 'k8s.libsonnet';
local name = 'ota-updater';

local updater =
  k8s.container(
    name,
    'registry.edge.example.com/iot/ota-updater',
    ports={ http: 8080 },
    env={
      CONFIG_FILE: '/etc/ota-updater/ota.yaml',
      DOWNLOAD_BASE: 'http://content-cache.edge-cache.svc/firmware/',
      MQTT_URL: 'mqtt://mqtt-broker.edge-mqtt.svc:1883',
    },
  )
  + k8s.httpProbes('/healthz')
  + { volumeMounts: [{ name: 'config', mountPath: '/etc/ota-updater', readOnly: true }] };

[
  k8s.deployment(name, k8s.podSpec(name, [updater], volumes=[k8s.configVolume('config', name + '-config')])),
  k8s.service(name, { http: 80 }),
  k8s.podDisruptionBudget(name),
]
