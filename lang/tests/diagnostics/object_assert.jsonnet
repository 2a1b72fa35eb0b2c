local app = { replicas: 0, assert self.replicas > 0 : 'replicas must be positive' };
app { name: 'web' }
