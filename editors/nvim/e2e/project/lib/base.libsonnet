// The settings every application starts from.
{
  // The port the service listens on.
  port: 80,
  name: 'base',
  labels: { team: 'platform' },
}
