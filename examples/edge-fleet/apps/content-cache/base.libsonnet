// content-cache, the base: Varnish in front of the region's origin, caching
// media and software downloads for the site's devices and screens. Exposed
// on the site's network on its own address.
local k8s = import 'k8s.libsonnet';
local name = 'content-cache';

local varnish =
  k8s.container(
    name,
    'registry.edge.example.com/mirror/varnish',
    ports={ http: 8080 },
    env={ VARNISH_HTTP_PORT: '8080' },
    args=['-f', '/etc/varnish/default.vcl'],
  )
  + k8s.httpProbes('/healthz')
  + {
    volumeMounts: [
      { name: 'config', mountPath: '/etc/varnish', readOnly: true },
      { name: 'workdir', mountPath: '/var/lib/varnish' },
    ],
  };

[
  k8s.deployment(name, k8s.podSpec(name, [varnish], volumes=[
    k8s.configVolume('config', name + '-config'),
    { name: 'workdir', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
  ])),
  k8s.service(name, { http: 80 }),
  k8s.podDisruptionBudget(name),
]
