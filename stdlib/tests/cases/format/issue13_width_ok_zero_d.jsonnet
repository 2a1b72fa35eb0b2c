// The widest field the reference's recursive padding has frames for
// with --max-stack 500 (issue 13).
'%0239d' % [1]
