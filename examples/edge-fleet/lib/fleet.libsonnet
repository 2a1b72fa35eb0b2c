// The fleet's data, read once per evaluation from the repository's YAML
// files, and the rules every target agrees on: which applications run on
// which cluster, and which image version a cluster gets.
//
// Used by the plan (render.kcfg), the application overlays (edge.libsonnet),
// the Argo CD and database targets and the policies, so they cannot
// disagree about placement or releases.
local parse(text) = std.parseYaml(text);

{
  clusters:: parse(importstr '../inventory/clusters.yaml').clusters,
  regions:: parse(importstr '../inventory/regions.yaml'),
  sizes:: parse(importstr '../inventory/sizes.yaml'),
  management:: parse(importstr '../inventory/management.yaml'),
  catalog:: parse(importstr '../apps/catalog.yaml'),
  releases:: parse(importstr '../releases.yaml'),

  // A cluster's exceptions (inventory/clusters.yaml), with every field
  // present.
  exceptions(cluster)::
    { apps: {}, disabledApps: [], extraApps: [] } + std.get(cluster, 'exceptions', {}),

  // The exceptions of one application on a cluster.
  appExceptions(name, cluster)::
    std.get($.exceptions(cluster).apps, name, {}),

  // Whether application `name` runs on `cluster`: its size class is one the
  // catalog lists, unless the cluster's exceptions add or remove it.
  runs(name, cluster)::
    local exceptions = $.exceptions(cluster);
    assert std.objectHas($.catalog, name) : 'application %s is not in apps/catalog.yaml' % name;
    (std.member($.catalog[name].sizes, cluster.size) || std.member(exceptions.extraApps, name))
    && !std.member(exceptions.disabledApps, name),

  // The applications of a cluster, by name.
  appsOn(cluster):: [name for name in std.objectFields($.catalog) if $.runs(name, cluster)],

  // The clusters of a region, in inventory order.
  clustersIn(region):: [c for c in $.clusters if c.region == region],

  // The image tag of application `name` on `cluster`: the release's version
  // for the cluster's wave (releases.yaml), or the tag the cluster's
  // exceptions pin.
  tag(name, cluster)::
    local release = $.releases[name];
    local next = std.get(release, 'next');
    local pinned = std.get($.appExceptions(name, cluster), 'tag');
    if pinned != null then pinned
    else if next != null && cluster.wave <= next.wave then next.version
    else release.version,

  // Labels every object of the fleet carries (policies/labels.kcfg).
  labels(team, name):: {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': 'edge-platform',
    'app.kubernetes.io/managed-by': 'kcfg',
    'edge.example.com/team': team,
  },
}
