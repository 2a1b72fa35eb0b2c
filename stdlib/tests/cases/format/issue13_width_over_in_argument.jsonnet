// One character wider than the reference's recursive padding allows
// with --max-stack 500 (issue 13).
local f(x) = x; f('%245d' % [1])
