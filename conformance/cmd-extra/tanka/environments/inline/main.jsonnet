// Inline environments: the entry point returns tanka.dev/Environment
// objects with the resources under `data`.
local labels = (import 'labels.libsonnet').labels;
local util = import 'github.com/example/util/util.libsonnet';

local env(name, replicas) = {
  apiVersion: 'tanka.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: name },
  spec: { apiServer: 'https://127.0.0.1:6443', namespace: name },
  data: { web: util.deployment('web', replicas, labels('web')) },
};

{
  envs: {
    staging: env('staging', 1),
    prod: env('prod', 3),
  },
}
