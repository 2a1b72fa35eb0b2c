// Canary releases with Argo Rollouts. An application marked `canary` in
// apps/catalog.yaml runs as a Rollout instead of a Deployment: a new
// version gets 10% of the pods, pauses, 50%, pauses, then 100%, while the
// AnalysisTemplate `<name>-success-rate` watches its HTTP success rate and
// aborts the rollout (back to the stable version) when it drops.
//
// Without a traffic router, weights are reached by pod counts, so on a
// three-replica cluster "10%" is one canary pod; that is the point at the
// edge: one pod of the new version takes real traffic first.
local selector(name) = { 'app.kubernetes.io/name': name };

{
  // The canary steps on a cluster of release wave `wave`. Canary sites
  // (wave 0) wait at the first pause until someone promotes the rollout
  // (`kubectl argo rollouts promote`); later waves have already seen the
  // version run, so they pause for a fixed time.
  steps(wave):: [
    { setWeight: 10 },
    { pause: if wave == 0 then {} else { duration: '10m' } },
    { setWeight: 50 },
    { pause: { duration: if wave == 0 then '30m' else '10m' } },
    { setWeight: 100 },
  ],

  rollout(name, podSpec):: {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: name },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(name) },
      template: { metadata: { labels: selector(name) }, spec: podSpec },
      strategy: {
        canary: {
          maxSurge: 1,
          maxUnavailable: 0,
          // From the first step on, in the background until the rollout
          // is complete.
          analysis: {
            templates: [{ templateName: name + '-success-rate' }],
            startingStep: 1,
            args: [
              { name: 'service', value: name },
              { name: 'namespace', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            ],
          },
          steps: $.steps(wave=1),
        },
      },
    },
  },

  // Fails the rollout when fewer than `threshold` of the requests the
  // application answers (measured by the site's Prometheus) succeed, twice.
  analysisTemplate(name, threshold=0.99):: {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: name + '-success-rate' },
    spec: {
      args: [{ name: 'service' }, { name: 'namespace' }],
      metrics: [{
        name: 'success-rate',
        interval: '1m',
        failureLimit: 2,
        successCondition: 'isNaN(result[0]) || result[0] >= %g' % threshold,
        provider: {
          prometheus: {
            address: 'http://prometheus.monitoring.svc:9090',
            query: |||
              sum(rate(http_requests_total{namespace="{{args.namespace}}", service="{{args.service}}", code!~"5.."}[2m]))
              /
              sum(rate(http_requests_total{namespace="{{args.namespace}}", service="{{args.service}}"}[2m]))
            |||,
          },
        },
      }],
    },
  },
}
