// A project library, found through -J <root>/lib.
{
  labels(name):: { app: name, 'app.kubernetes.io/managed-by': 'tanka' },
}
