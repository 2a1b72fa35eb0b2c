local check(n) = if n > 2 then error 'too many replicas: %d' % n else n;
local scale(app, n) = app { replicas: check(n) };
scale({ name: 'web' }, 5).replicas
