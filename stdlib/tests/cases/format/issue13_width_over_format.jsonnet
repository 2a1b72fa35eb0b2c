// One character wider than the reference's recursive padding allows
// with --max-stack 500 (issue 13).
std.format('%246d', [1])
