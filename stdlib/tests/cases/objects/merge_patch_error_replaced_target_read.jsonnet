// The reference reads the target's field even when the patch replaces it.
std.mergePatch({ a: error 'target read' }, { a: 1 })
