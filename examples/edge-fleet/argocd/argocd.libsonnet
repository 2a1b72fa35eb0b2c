// Argo CD objects of the management cluster. Argo CD syncs each edge
// cluster from the rendered manifests in git (inventory/management.yaml
// says where); it never renders anything itself, so what is reviewed in a
// pull request is exactly what it applies.
local fleet = import 'fleet.libsonnet';

local settings = fleet.management.argocd;

{
  settings:: settings,

  // The rendered directory of a target.
  path(target):: settings.path + '/' + target,

  application(name, path, destination, project, labels={}, annotations={}):: {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: name,
      namespace: settings.namespace,
      labels: labels,
      [if annotations != {} then 'annotations']: annotations,
      // Deleting the Application deletes what it synced.
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: project,
      source: { repoURL: settings.repoURL, targetRevision: settings.revision, path: path },
      destination: destination,
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['ServerSideApply=true', 'PruneLast=true'],
        retry: { limit: 5, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } },
      },
    },
  },

  // The management cluster itself, as Argo CD names it.
  inCluster:: 'https://kubernetes.default.svc',
}
