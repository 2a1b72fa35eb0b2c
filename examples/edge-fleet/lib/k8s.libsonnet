// Constructors for the Kubernetes objects of application bases, with the
// platform's defaults: restricted pod security, probes on the `http` port,
// pods spread over nodes. A base uses them the way a Kustomize base holds
// YAML: cluster-independent objects that the fleet's overlays
// (edge.libsonnet) adapt to each cluster.
//
// Names and selectors use `app.kubernetes.io/name`; the overlays add the
// fleet's other labels.
local selector(name) = { 'app.kubernetes.io/name': name };

{
  // {NAME: 'value' or {valueFrom: ...}} as an env list, sorted by name.
  env(vars):: [
    if std.isString(vars[key]) then { name: key, value: vars[key] } else { name: key } + vars[key]
    for key in std.objectFields(vars)
  ],

  // {name: port} as a container port list, sorted by name.
  ports(ports, protocol='TCP'):: [
    { name: name, containerPort: ports[name], protocol: protocol }
    for name in std.objectFields(ports)
  ],

  // A container that runs as a non-root user with no privileges and a
  // read-only root file system (the restricted Pod Security Standard).
  container(name, image, ports={}, env={}, args=[]):: {
    name: name,
    image: image,
    [if args != [] then 'args']: args,
    [if ports != {} then 'ports']: $.ports(ports),
    [if env != {} then 'env']: $.env(env),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
  },

  // Readiness and liveness probes over HTTP on the named port.
  httpProbes(path, port='http'):: {
    readinessProbe: { httpGet: { path: path, port: port }, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: path, port: port }, periodSeconds: 20, failureThreshold: 6 },
  },

  // Probes for servers without an HTTP health endpoint.
  tcpProbes(port):: {
    readinessProbe: { tcpSocket: { port: port }, periodSeconds: 10 },
    livenessProbe: { tcpSocket: { port: port }, periodSeconds: 20, failureThreshold: 6 },
  },

  // A volume mounting a ConfigMap.
  configVolume(name, configMap):: { name: name, configMap: { name: configMap } },

  // A pod spec for the pods of `name`. `spread` spreads them over the
  // nodes (pointless for a DaemonSet).
  podSpec(name, containers, volumes=[], serviceAccount=null, spread=true):: {
    [if serviceAccount != null then 'serviceAccountName']: serviceAccount,
    automountServiceAccountToken: serviceAccount != null,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: containers,
    [if volumes != [] then 'volumes']: volumes,
    [if spread then 'topologySpreadConstraints']: [{
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector(name) },
    }],
  },

  deployment(name, podSpec):: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: name },
    spec: {
      replicas: 1,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: selector(name) }, spec: podSpec },
    },
  },

  daemonSet(name, podSpec):: {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: name },
    spec: {
      revisionHistoryLimit: 5,
      selector: { matchLabels: selector(name) },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: { metadata: { labels: selector(name) }, spec: podSpec },
    },
  },

  // A Service for the pods of `name`; `ports` is {name: port}, each port
  // targeting the container port of the same name.
  service(name, ports, protocol='TCP'):: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: name },
    spec: {
      type: 'ClusterIP',
      selector: selector(name),
      ports: [
        { name: port, port: ports[port], targetPort: port, protocol: protocol }
        for port in std.objectFields(ports)
      ],
    },
  },

  podDisruptionBudget(name):: {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: name },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector(name) } },
  },

  serviceAccount(name):: {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: name },
  },

  // A ClusterRole and its binding to the ServiceAccount `name` (in the
  // application's namespace, which the overlays fill in).
  clusterRole(name, rules):: [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: name },
      rules: rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: name },
      subjects: [{ kind: 'ServiceAccount', name: name }],
    },
  ],

  namespace(name, podSecurity):: {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: name,
      labels: {
        'pod-security.kubernetes.io/enforce': podSecurity,
        'pod-security.kubernetes.io/warn': podSecurity,
      },
    },
  },

  // Database credentials from the management cluster: the connection
  // secret of the region's database claim (databases/main.kcfg), copied
  // into the application's namespace by the External Secrets Operator.
  databaseSecret(name, region):: {
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: { name: name + '-db' },
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'mgmt-edge-data' },
      target: { name: name + '-db', creationPolicy: 'Owner' },
      dataFrom: [{ extract: { key: 'edge-%s-db' % region } }],
    },
  },
}
