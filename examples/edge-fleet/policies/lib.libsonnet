// Shared by the policies: where an object's pod spec and containers are.
local workloads = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Rollout'];

{
  // The pod spec of a Pod, a workload or a CronJob; null for other kinds.
  podSpec(object)::
    local spec = std.get(object, 'spec', {});
    if object.kind == 'Pod' then spec
    else if std.member(workloads, object.kind) then std.get(std.get(spec, 'template', {}), 'spec')
    else if object.kind == 'CronJob' then spec.jobTemplate.spec.template.spec
    else null,

  // Every container of the object's pod spec, init containers included.
  containers(object)::
    local pod = self.podSpec(object);
    if pod == null then []
    else std.get(pod, 'initContainers', []) + std.get(pod, 'containers', []),

  // The pod template's labels, or null for objects without a template.
  templateLabels(object)::
    if std.member(workloads, object.kind) then
      std.get(std.get(std.get(object.spec, 'template', {}), 'metadata', {}), 'labels', {})
    else null,
}
