// device-registry, the base: the registry and twin state of the site's IoT
// devices. It listens to the site's MQTT broker for device announcements and
// keeps the twins in the regional database (credentials in the Secret
// device-registry-db, from the fleet overlay). Released as a canary Rollout.
local k8s = import 'k8s.libsonnet';
local rollout = import 'rollout.libsonnet';
local name = 'device-registry';

local registry =
  k8s.container(
    name,
    'registry.edge.example.com/iot/device-registry',
    ports={ http: 8080, metrics: 9090 },
    env={
      CONFIG_FILE: '/etc/device-registry/registry.yaml',
      MQTT_URL: 'mqtt://mqtt-broker.edge-mqtt.svc:1883',
    },
  )
  + k8s.httpProbes('/healthz')
  + {
    envFrom: [{ secretRef: { name: name + '-db' } }],
    volumeMounts: [{ name: 'config', mountPath: '/etc/device-registry', readOnly: true }],
  };

[
  rollout.rollout(name, k8s.podSpec(name, [registry], volumes=[k8s.configVolume('config', name + '-config')])),
  rollout.analysisTemplate(name),
  k8s.service(name, { http: 80 }),
  k8s.podDisruptionBudget(name),
]
