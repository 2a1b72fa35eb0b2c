//! kcfg as an Argo CD config-management plugin (issue 6).
//!
//! Argo CD's repo server delegates manifest generation to a sidecar running
//! `argocd-cmp-server`, which reads `plugin.yaml` (a `ConfigManagementPlugin`)
//! and runs its commands in the application's source directory, inside a
//! copy of the repository (CMP v2). kcfg provides the four commands:
//!
//! | `plugin.yaml` | command | contract |
//! |---|---|---|
//! | `discover.find.command` | `kcfg argocd discover` | exit 0 and print something when the directory is a kcfg application ([`entry`]) |
//! | `init` | `kcfg argocd init` | check the vendored dependencies ([`vendor`]) |
//! | `parameters.dynamic` | `kcfg argocd parameters` | print the entry's top-level arguments as Argo CD's parameter announcement JSON ([`parameters::announce`]) |
//! | `generate` | `kcfg argocd generate` | print every Kubernetes object as a YAML stream ([`generate`]) |
//!
//! The modules, one per concern:
//!
//! * [`env`]: the environment Argo CD sets, the `argocd` external
//!   variable, and where the repository root is;
//! * [`parameters`]: `ARGOCD_APP_PARAMETERS` and `PARAM_*` to top-level
//!   arguments and external variables, with their precedence, and the
//!   announcement;
//! * `kcfg_render::signature`: the entry's top-level arguments, read from
//!   its syntax;
//! * [`entry`]: which file is evaluated;
//! * [`confine`]: no read outside the repository;
//! * [`budget`]: time and memory limits, SIGTERM;
//! * [`generate`]: the render, through `kcfg render`'s renderer
//!   (`kcfg_render`); [`vendor`]: `init`.
//!
//! # Sources
//!
//! What this module relies on, from Argo CD (argoproj/argo-cd, v2.5 and
//! later, where parameters appeared):
//!
//! * `docs/operator-manual/config-management-plugins.md`: the
//!   `ConfigManagementPlugin` fields; `generate` must print only Kubernetes
//!   objects, YAML or JSON, and a non-zero exit fails the generation, with
//!   standard error shown in the UI; discovery by `find.command` matches
//!   when the command exits 0 *and* prints something; the environment
//!   (sidecar variables, build variables, `ARGOCD_ENV_`-prefixed Application
//!   variables, `ARGOCD_APP_PARAMETERS` and `PARAM_*`); announced defaults
//!   are not sent back; the sidecar runs as user 999 with
//!   `/var/run/argocd/argocd-cmp-server` as entrypoint and its own `/tmp`;
//!   the 60 s repo-server timeout and `ARGOCD_EXEC_TIMEOUT` (90 s).
//! * `docs/user-guide/build-environment.md` and `reposerver/repository/
//!   repository.go` (`newEnv`, `getPluginEnvs`, `getPluginParamEnvs`): the
//!   build variables, `KUBE_VERSION`, `KUBE_API_VERSIONS` comma-joined, and
//!   `Envsubst` on `plugin.env` values.
//! * `reposerver/repository/repository.go` (`makeJsonnetVm`): the built-in
//!   Jsonnet source's `tlas` and `extVars` (`{name, value, code}`, values
//!   passed through `Envsubst`) and `libs` (relative to the repository root,
//!   searched before the application's directory: go-jsonnet's
//!   `FileImporter` tries `JPaths` from the last, and the built-in lists
//!   the application's directory first).
//! * `pkg/apis/application/v1alpha1/types.go`
//!   (`ApplicationSourcePluginParameter`, `ApplicationSourcePluginParameters.Environ`,
//!   `escaped`, `Env.Envsubst`): the parameter JSON and the `PARAM_*`
//!   naming.
//! * `cmpserver/plugin/plugin.go` (`runCommand`, `environ`,
//!   `matchRepository`, `getParametersAnnouncement`) and
//!   `plugin_unix.go`: commands run in the application's path with the
//!   request's environment appended (empty values dropped); on the deadline
//!   the process group gets SIGTERM, then SIGKILL; the dynamic parameters
//!   command must print a JSON list of `ParameterAnnouncement`, which is
//!   put before the static ones.
//! * Where the repository is (issue 13; [`env::locate`]):
//!   `util/app/path/path.go` (`Path`: the source path may not be absolute
//!   or leave the checkout once joined and cleaned as text;
//!   `CheckOutOfBoundsSymlinks`: by default the repo server refuses
//!   checkouts with absolute links or links that leave them),
//!   `util/cmp/stream.go` (`SendRepoStream`: the whole checkout is sent as
//!   a tarball, without `.git`, with the application's path relative to
//!   it), and `cmpserver/plugin/plugin.go` (`generateManifestGeneric`:
//!   the tarball is unpacked into a fresh directory under the CMP work
//!   directory, and the command runs in `Clean(Join(workDir, AppRelPath))`).
//!   Go's `os/exec` sets `PWD` for a child only when `Cmd.Env` is nil
//!   (go.dev/issue/50599); the CMP server sets it, so a plugin never learns
//!   its logical working directory.

pub mod budget;
pub mod confine;
pub mod entry;
pub mod env;
pub mod generate;
pub mod parameters;
pub mod vendor;
