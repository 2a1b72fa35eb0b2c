local replicas = 3;
{ spec: { replicas: replica } }
