// A reusable application template: a Deployment and a Service that read
// their settings from the hidden `params` field.
{
  new(name, image, replicas=1, port=80):: {
    params:: { name: name, image: image, replicas: replicas, port: port },
    local p = self.params,
    local labels = { 'app.kubernetes.io/name': p.name },

    deployment: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: p.name, labels: labels },
      spec: {
        replicas: p.replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels: labels },
          spec: {
            containers: [{
              name: p.name,
              image: p.image,
              ports: [{ containerPort: p.port }],
            }],
          },
        },
      },
    },

    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: p.name, labels: labels },
      spec: {
        selector: labels,
        ports: [{ port: 80, targetPort: p.port }],
      },
    },
  },
}
