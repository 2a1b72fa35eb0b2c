{
  standard(name):: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'kcfg' },
}
