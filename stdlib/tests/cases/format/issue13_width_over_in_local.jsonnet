// One character wider than the reference's recursive padding allows
// with --max-stack 500 (issue 13).
local x = '%245d' % [1]; x
