// Code read by --ext-code-file; its own imports resolve next to it.
{ from_extra: true, helper: import 'helper.libsonnet' }
