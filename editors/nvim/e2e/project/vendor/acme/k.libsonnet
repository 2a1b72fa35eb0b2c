// A vendored library: Kubernetes object constructors.
{
  // Makes a Deployment named `name`.
  deployment(name, replicas=1):: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: name },
    spec: { replicas: replicas },
  },
}
