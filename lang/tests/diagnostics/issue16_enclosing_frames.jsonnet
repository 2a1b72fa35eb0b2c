// The manifester's frames: each enclosing field and array element, at the
// span of the value around it, the object named after its variable.
local server = { port: error 'no port' };
{
  services: [
    { name: 'web', backend: server },
  ],
}
