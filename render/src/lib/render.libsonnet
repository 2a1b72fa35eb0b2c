// kcfg/render.libsonnet: render plans for `kcfg render`.
//
// Built into the kcfg binary: `import 'kcfg/render.libsonnet'` works without
// any file on disk. A plan is the value of `render.kcfg` in the directory
// given to `kcfg render` (default: the current directory).
//
//   local kcfg = import 'kcfg/render.libsonnet';
//
//   kcfg.plan {
//     generators: [
//       kcfg.matrix([
//         kcfg.clusters('inventory/clusters.yaml'),
//         kcfg.directories('apps/*', entry='main.kcfg'),
//       ]),
//     ],
//     template(params):: {
//       name: params.cluster.name + '/' + params.name,
//       entry: params.path + '/' + params.entry,
//       tlas: { cluster: params.cluster },
//     },
//     policies: ['policies/limits.kcfg'],
//     output: { format: 'yaml', layout: 'files', fileName: '{kind}-{name}.yaml' },
//   }
//
// HOW A PLAN BECOMES TARGETS
//
// Generators produce parameter sets (objects), as Argo CD ApplicationSet
// generators do. They are data: the functions below only describe them, and
// `kcfg render` expands them (it reads the inventory files and lists the
// directories). The sets of all generators, in order, are passed one by one
// to `template(params)`, which returns a target, or null to skip the set.
// Targets may also be listed directly in `targets`. The plan is evaluated
// once; every target is then evaluated on its own, in parallel.
//
// A target is an object with these fields:
//
//   name       required. The target's output directory under --out, such as
//              'edge-eu-001/ingress-gateway'. Unique; no '..', no component
//              starting with '.', and no target inside another's directory.
//   entry      required. The file to evaluate, relative to the plan's
//              directory.
//   tlas       top-level arguments: {name: value}; any JSON value (strings,
//              numbers, objects, ...), passed to the entry's top-level
//              function as code.
//   extVars    external variables (std.extVar), same form as tlas.
//   jpath      extra import directories, relative to the plan's directory,
//              searched before the -J directories of the command line.
//   namespace  the target's default namespace: the files of objects in
//              another namespace start with that namespace and '_'.
//   output     per-target overrides of the plan's `output` (below).
//   params     anything: handed to the policies with the target. Targets
//              made by `template` get the parameter set here by default.
//
// The value of a target is walked for Kubernetes objects: an object with
// string `apiVersion` and `kind` is one (a `List` contributes its `items`);
// other objects and arrays are walked into, at any depth; null is skipped.
//
// OUTPUT OPTIONS (`output`, per target `output`, overridden by the flags)
//
//   format    'yaml' (default) or 'json'.
//   layout    'files' (default): one file per object in the target's
//             directory; 'single-file': all objects in `manifest.yaml`
//             (or `manifest.json`, a v1 List); 'hydrator': Argo CD's
//             source-hydrator layout, `manifest.yaml`, `hydrator.metadata`
//             and `README.md` (YAML only).
//   fileName  the file name template of the 'files' layout, default
//             '{kind}-{name}.yaml' ('.json' with the json format).
//             Placeholders: {kind} (lower case), {Kind} (as written),
//             {name}, {namespace}, {apiVersion}, {group}, {version}. '/' in
//             the template makes directories; characters other than
//             letters, digits, '.', '-' and '_' in values become '_'. When
//             the template has no {namespace}, the file of an object whose
//             namespace is set and differs from the target's `namespace`
//             starts with '<namespace>_' (kube-system_configmap-x.yaml):
//             '_' never occurs in Kubernetes names, and the target's
//             directory stays flat, as `kcfg apply` reads it.
//
// POLICIES
//
// `policies` lists files, relative to the plan's directory. Each evaluates
// to `function(object, target)` returning a list of violations, or to an
// object of such functions keyed by rule name. A violation is a string or
// {rule: 'name', message: '...'}; the rule defaults to the field name, or to
// the file's name without its extension. `target` is the target object
// above (name, entry, tlas, extVars, namespace, params). Every policy runs
// on every object of every target; any violation fails the render.
{
  // The base of a plan: empty lists and a template that asks to be written.
  plan:: {
    generators: [],
    targets: [],
    policies: [],
    output: {},
    template(params):: error 'the plan has generators but no template(params) to turn their parameter sets into targets',
  },

  // One parameter set per element of `elements` (objects).
  //   kcfg.list([{ name: 'web' }, { name: 'api' }])
  list(elements):: { generator: 'list', elements: elements },

  // One parameter set per cluster of an inventory file (YAML or JSON,
  // relative to the plan's directory): a list of cluster objects, an object
  // with such a list in `clusters`, or an object mapping names to clusters
  // (the name is then added as `name`). Each set is {[as]: cluster}, i.e.
  // `params.cluster.name` by default. `selector` keeps the clusters whose
  // fields equal all of its fields (dotted paths such as 'labels.tier'
  // reach into nested objects).
  //   kcfg.clusters('inventory/clusters.yaml', selector={ region: 'eu-west' })
  clusters(file, selector={}, as='cluster'):: {
    generator: 'clusters',
    file: file,
    selector: selector,
    as: as,
  },

  // One parameter set per directory that matches `glob` (relative to the
  // plan's directory; `*`, `?`, `[...]`, `{a,b}` and `**` as in
  // .gitignore-style globs) and holds a file named `entry`:
  // {path: 'apps/web', name: 'web', entry: 'main.kcfg'}. Directories
  // matching a glob of `exclude` are left out; hidden directories (`.git`)
  // are never entered. Sets come in path order.
  //   kcfg.directories('apps/*', entry='main.kcfg', exclude=['apps/legacy-*'])
  directories(glob, entry='main.kcfg', exclude=[]):: {
    generator: 'directories',
    glob: glob,
    entry: entry,
    exclude: exclude,
  },

  // The cartesian product of the generators' sets, each combination merged
  // into one set (a field given by two generators must have equal values).
  //   kcfg.matrix([kcfg.clusters('clusters.yaml'), kcfg.directories('apps/*')])
  matrix(generators):: { generator: 'matrix', generators: generators },

  // The sets of `base`, each deep-merged with the sets of `others` that have
  // the same values at every key of `mergeKeys` (dotted paths allowed); the
  // later generator wins on conflicts. Sets of `others` that match no base
  // set are dropped, as in Argo CD's merge generator.
  //   kcfg.merge(kcfg.clusters('clusters.yaml'),
  //              [kcfg.list([{ cluster: { name: 'edge-eu-001', replicas: 5 } }])],
  //              mergeKeys=['cluster.name'])
  merge(base, others, mergeKeys=['name']):: {
    generator: 'merge',
    base: base,
    others: others,
    mergeKeys: mergeKeys,
  },
}
