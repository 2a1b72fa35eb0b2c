// Issue 16: a `local` whose binding is not ended with `;`. The reference
// reports the end of the file; the note points at the `local`.
local replicas = 3
