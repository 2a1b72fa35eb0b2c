// dns-cache, the base: CoreDNS answering the site's devices on the site's
// DNS address, caching the region's resolvers. It listens on 1053 (no root
// needed) and the Service maps port 53 to it.
local k8s = import 'k8s.libsonnet';
local name = 'dns-cache';

local coredns =
  k8s.container(
    name,
    'registry.edge.example.com/mirror/coredns/coredns',
    args=['-conf', '/etc/coredns/Corefile'],
  )
  + k8s.httpProbes('/health', port='health')
  + {
    ports: [
      { name: 'dns', containerPort: 1053, protocol: 'UDP' },
      { name: 'dns-tcp', containerPort: 1053, protocol: 'TCP' },
      { name: 'health', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
      { name: 'ready', containerPort: 8181, protocol: 'TCP' },
    ],
    readinessProbe+: { httpGet+: { path: '/ready', port: 'ready' } },
    volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
  };

[
  k8s.deployment(name, k8s.podSpec(name, [coredns], volumes=[k8s.configVolume('config', name + '-config')])),
  k8s.service(name, {}) {
    spec+: {
      ports: [
        { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, targetPort: 'dns-tcp', protocol: 'TCP' },
      ],
    },
  },
  k8s.podDisruptionBudget(name),
]
