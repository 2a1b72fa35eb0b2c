// A vendored library, found through -J <root>/vendor.
{
  deployment(name, replicas=1, labels={}):: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: name, labels: labels },
    spec: { replicas: replicas, selector: { matchLabels: labels } },
  },
}
