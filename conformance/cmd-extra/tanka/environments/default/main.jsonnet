// A static environment: spec.json beside it, passed by Tanka as the
// external variable tanka.dev/environment.
local labels = (import 'labels.libsonnet').labels;
local util = import 'github.com/example/util/util.libsonnet';
local env = std.extVar('tanka.dev/environment');

{
  web: util.deployment('web', 2, labels('web')) + {
    metadata+: { namespace: env.spec.namespace },
  },
}
