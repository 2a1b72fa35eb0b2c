// The fleet's overlays: one application's base, adapted to one cluster.
//
//   edge.app(base, cluster, {
//     name: 'dns-cache',                       // its apps/catalog.yaml entry
//     replicas: { small: 2, medium: 2, large: 3 },
//     resources: { small: {...}, medium: {...}, large: {...} },
//     config: { Corefile: '...' },             // files of ConfigMap <name>-config
//     env: { UPSTREAM: '...' },                // more env of the main container
//     patches: [...],                          // the application's own patches
//   })
//
// This is a Kustomize overlay written as a function
// (kcfg/kustomize.libsonnet's `kustomization`), applied in this order:
//
//   1. patches (strategic merge, so containers and env merge by name):
//      - resources of the main container by the cluster's size class;
//      - the site's env (CLUSTER, REGION, SITE, TZ) and the app's `env`;
//      - LoadBalancer Services pinned to the cluster's external IPs;
//      - canary steps paced by the cluster's release wave;
//      - the application's own `patches`, then the cluster's exceptions
//        (inventory/clusters.yaml): replicas, resources, env, config, tag;
//   2. labels: the fleet's labels on every object (in selectors only the
//      stable `app.kubernetes.io/name` and `part-of`), and the cluster,
//      region and wave on objects and pod templates (the version is on the
//      workload and its pods only, from the first patch);
//   3. the application's namespace;
//   4. images: the release's tag for the cluster's wave (releases.yaml),
//      pulled from the region's mirror;
//   5. replicas by size class;
//   6. the ConfigMap generator: <name>-config gets a hash of its content as
//      a suffix, and the pods' references follow, so a config change rolls
//      the pods.
//
// The overlay also adds the namespace (with its Pod Security level), the
// database credentials of applications that use the regional database, and
// drops PodDisruptionBudgets where a single replica runs.
local fleet = import 'fleet.libsonnet';
local ipam = import 'ipam.libsonnet';
local k8s = import 'k8s.libsonnet';
local k = import 'kcfg/kustomize.libsonnet';
local rollout = import 'rollout.libsonnet';

local workloadKinds = ['Deployment', 'Rollout', 'DaemonSet', 'StatefulSet'];
local select(object) = { kind: object.kind, metadata: { name: object.metadata.name } };

{
  app(base, cluster, spec)::
    local name = spec.name;
    local entry = fleet.catalog[name];
    local region = fleet.regions[cluster.region];
    local exception = fleet.appExceptions(name, cluster);
    local release = fleet.releases[name];
    local tag = fleet.tag(name, cluster);
    local objects = k.objects(base);

    // The workload named after the application, and its container of the
    // same name, are what size classes and exceptions adjust.
    local workloads = [o for o in objects if std.member(workloadKinds, o.kind) && o.metadata.name == name];
    assert std.length(workloads) == 1 : '%s: the base needs one Deployment, Rollout, DaemonSet or StatefulSet named %s' % [name, name];
    local workload = workloads[0];
    local scalable = workload.kind != 'DaemonSet';
    // What the application's table says for the cluster's size class; a
    // cluster's exceptions may add an application to a class the table
    // does not cover, which must fail clearly.
    local bySize(table, what) =
      assert std.objectHas(table, cluster.size) : '%s has no %s for %s clusters (%s runs it by an exception)' % [name, what, cluster.size, cluster.name];
      table[cluster.size];
    local replicas = std.get(exception, 'replicas', if scalable then bySize(spec.replicas, 'replicas') else null);
    // The version label goes on the workload and its pods only, so that a
    // release changes one file per cluster, not every object.
    local version = { 'app.kubernetes.io/version': tag };
    local mainContainer(fields) = {
      kind: workload.kind,
      metadata: { name: name, labels: version },
      spec: { template: { metadata: { labels: version }, spec: { containers: [{ name: name } + fields] } } },
    };

    local env = {
      CLUSTER: cluster.name,
      REGION: cluster.region,
      SITE: cluster.site,
      TZ: region.timezone,
    } + std.get(spec, 'env', {}) + std.get(exception, 'env', {});
    local resources = std.mergePatch(bySize(spec.resources, 'resources'), std.get(exception, 'resources', {}));

    local loadBalancer =
      if std.objectHas(entry, 'externalIP') then [{
        kind: 'Service',
        metadata: {
          name: name,
          annotations: { 'metallb.universe.tf/loadBalancerIPs': ipam.host(cluster.externalIPs, entry.externalIP) },
        },
        // Local: the pods see the clients' addresses; MetalLB announces the
        // IP only from nodes that run one.
        spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
      }] else [];

    local canary =
      if std.get(entry, 'canary', false) then [{
        kind: 'Rollout',
        metadata: { name: name },
        spec: { strategy: { canary: { steps: rollout.steps(cluster.wave) } } },
      }] else [];

    local config = std.get(spec, 'config', {}) + std.get(exception, 'config', {});

    local extra =
      [k8s.namespace(entry.namespace, entry.podSecurity)]
      + (if std.get(entry, 'database', false) then [k8s.databaseSecret(name, cluster.region)] else []);

    local rendered = k.kustomization(objects + extra, {
      patches:
        [mainContainer({ resources: resources, env: k8s.env(env) })]
        + loadBalancer
        + canary
        + std.get(spec, 'patches', [])
        + std.get(exception, 'patches', []),
      commonLabels: {
        'app.kubernetes.io/name': name,
        'app.kubernetes.io/part-of': 'edge-platform',
      },
      labels: [{
        pairs: fleet.labels(entry.team, name) {
          'edge.example.com/cluster': cluster.name,
          'edge.example.com/region': cluster.region,
          'edge.example.com/wave': std.toString(cluster.wave),
        },
        includeTemplates: true,
      }],
      namespace: entry.namespace,
      images: [{
        name: 'registry.edge.example.com/' + release.image,
        newName: region.registry + '/' + release.image,
        newTag: tag,
      }],
      replicas: if scalable then [{ name: name, count: replicas }] else [],
      configMapGenerator: if config == {} then [] else [{ name: name + '-config', data: config }],
    });

    // A disruption budget protects nothing with a single replica; it would
    // only block node drains.
    [
      o
      for o in rendered
      if !(o.kind == 'PodDisruptionBudget' && replicas != null && replicas < 2)
    ],
}
