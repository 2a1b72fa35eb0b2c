// mqtt-broker, the base: Mosquitto, where the site's devices publish
// telemetry. It bridges to the region's hub, so the site keeps working (and
// buffering) when its uplink is down.
local k8s = import 'k8s.libsonnet';
local name = 'mqtt-broker';

local mosquitto =
  k8s.container(
    name,
    'registry.edge.example.com/mirror/eclipse-mosquitto',
    ports={ mqtt: 1883, mqtts: 8883 },
    args=['mosquitto', '-c', '/mosquitto/config/mosquitto.conf'],
  )
  + k8s.tcpProbes('mqtt')
  + {
    volumeMounts: [
      { name: 'config', mountPath: '/mosquitto/config', readOnly: true },
      { name: 'data', mountPath: '/mosquitto/data' },
      { name: 'tls', mountPath: '/mosquitto/tls', readOnly: true },
    ],
  };

[
  k8s.deployment(name, k8s.podSpec(name, [mosquitto], volumes=[
    k8s.configVolume('config', name + '-config'),
    // Messages queued for the hub while the uplink is down; a restart
    // loses at most what the devices resend.
    { name: 'data', emptyDir: { sizeLimit: '2Gi' } },
    // The site certificate, issued by cert-manager on every cluster.
    { name: 'tls', secret: { secretName: 'mqtt-broker-tls' } },
  ])) {
    // One broker owns the persistence file: replace, don't overlap.
    spec+: { strategy: { type: 'Recreate' } },
  },
  k8s.service(name, { mqtt: 1883, mqtts: 8883 }),
  k8s.podDisruptionBudget(name),
]
