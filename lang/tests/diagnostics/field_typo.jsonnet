local deployment = { metadata: { name: 'web' }, spec: { replicas: 2 } };
deployment.spec.replica
