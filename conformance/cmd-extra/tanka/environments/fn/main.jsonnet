// An environment that is a function of top-level arguments
// (tk … --tla-code replicas=3).
local util = import 'github.com/example/util/util.libsonnet';

function(replicas=1, name='api') {
  data: {
    api: util.deployment(name, replicas, (import 'labels.libsonnet').labels(name)),
  },
}
