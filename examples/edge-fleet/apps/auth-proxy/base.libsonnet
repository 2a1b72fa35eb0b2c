// auth-proxy, the base: oauth2-proxy in front of the site's staff tools
// (the device console, the cache dashboard). The OIDC client secret comes
// from the management cluster, like the database credentials.
local k8s = import 'k8s.libsonnet';
local name = 'auth-proxy';

local proxy =
  k8s.container(
    name,
    'registry.edge.example.com/mirror/oauth2-proxy/oauth2-proxy',
    ports={ http: 4180, metrics: 44180 },
    args=['--config=/etc/oauth2-proxy/oauth2-proxy.cfg'],
  )
  + k8s.httpProbes('/ping')
  + {
    envFrom: [{ secretRef: { name: 'auth-proxy-oidc' } }],
    volumeMounts: [{ name: 'config', mountPath: '/etc/oauth2-proxy', readOnly: true }],
  };

[
  {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: { name: 'auth-proxy-oidc' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'mgmt-edge-data' },
      target: { name: 'auth-proxy-oidc', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'OAUTH2_PROXY_CLIENT_SECRET', remoteRef: { key: 'auth-proxy-oidc', property: 'client-secret' } },
        { secretKey: 'OAUTH2_PROXY_COOKIE_SECRET', remoteRef: { key: 'auth-proxy-oidc', property: 'cookie-secret' } },
      ],
    },
  },
  k8s.deployment(name, k8s.podSpec(name, [proxy], volumes=[k8s.configVolume('config', name + '-config')])),
  k8s.service(name, { http: 80 }),
  k8s.podDisruptionBudget(name),
]
