ERROR: cannot use --no-trailing-newline with --yaml-stream
Jsonnet commandline interpreter (kcfg 0.1.0, compatible with v0.22.0)

jsonnet {<option>} <filename>

Evaluates a kcfg / Jsonnet program and prints its value as JSON.

Available options:
  -h / --help             This message
  -e / --exec             Treat filename as code
  -J / --jpath <dir>      Specify an additional library search dir (right-most wins)
  -o / --output-file <file> Write to the output file rather than stdout
  -m / --multi <dir>      Write multiple files to the directory, list files on stdout
  -c / --create-output-dirs Create the directories -o and -m write into
  -y / --yaml-stream      Write output as a YAML stream of JSON documents
  -S / --string           Expect a string, manifest as plain text
  --no-trailing-newline   Do not add a trailing newline to the output
  -s / --max-stack <n>    Number of allowed stack frames (default 500)
  -t / --max-trace <n>    Max length of stack trace before cropping (default 20, 0 = no limit)
  --max-memory <size>     Memory the evaluation may use, like 512Mi or 8Gi (default:
                          half of the memory available to kcfg)
  --color <when>          Colours of rich error messages: auto (on a terminal), always, never
  --error-format <format> rich (source snippet, hints), plain (the reference's text) or
                          json (one object per line); default: plain
  --gc-min-objects <n>    Accepted for compatibility; kcfg frees memory per evaluation
  --gc-growth-trigger <n> Accepted for compatibility
  --version               Print version
Available options for specifying values of 'external' variables:
Provide the value as a string:
  -V / --ext-str <var>[=<val>]     If <val> is omitted, get from environment var <var>
       --ext-str-file <var>=<file> Read the string from the file
Provide a value as Jsonnet code:
  --ext-code <var>[=<code>]    If <code> is omitted, get from environment var <var>
  --ext-code-file <var>=<file> Read the code from the file
Available options for specifying values of 'top-level arguments':
Provide the value as a string:
  -A / --tla-str <var>[=<val>]     If <val> is omitted, get from environment var <var>
       --tla-str-file <var>=<file> Read the string from the file
Provide a value as Jsonnet code:
  --tla-code <var>[=<code>]    If <code> is omitted, get from environment var <var>
  --tla-code-file <var>=<file> Read the code from the file
Environment variables:
JSONNET_PATH is a colon separated list of directories added
in reverse order before the paths specified by --jpath (i.e. left-most wins)
E.g. JSONNET_PATH=a:b jsonnet -J c -J d is equivalent to:
JSONNET_PATH=d:c:a:b jsonnet
jsonnet -J b -J a -J c -J d

Examples:
  jsonnet main.kcfg                      Print main.kcfg's value as JSON
  jsonnet -e '{a: 1 + 1}'                Evaluate code from the command line
  jsonnet -J vendor -m out main.jsonnet  One file per field of the result, under out/
  jsonnet -y stream.jsonnet              A YAML stream, one document per array element
  jsonnet -A env=prod main.kcfg          Call a top-level function with env="prod"

In all cases:
<filename> can be - (stdin)
Multichar options are expanded e.g. -abc becomes -a -b -c.
The -- option suppresses option processing for subsequent arguments.
Note that since filenames and jsonnet programs can begin with -, it is advised to
use -- if the argument is unknown, e.g. jsonnet -- "$FILENAME".
