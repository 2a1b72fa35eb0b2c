// Two functions calling each other without end.
local ping(n) = pong(n) + 1,
      pong(n) = ping(n) + 1;
ping(0)
