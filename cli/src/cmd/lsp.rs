//! `kcfg lsp`: the language server (`kcfg_lsp`) over standard input and
//! output, for editors (see `editors/` and the README).

use std::process::ExitCode;

use super::CmdError;

/// Run the kcfg language server over standard input and output.
#[derive(Debug, Clone, clap::Args)]
pub struct LspArgs {
    /// How much to log to standard error and to the editor: off, error,
    /// warn, info or debug.
    #[arg(long, value_name = "LEVEL", default_value = "warn")]
    pub log_level: kcfg_lsp::LogLevel,

    /// Accepted for editors that pass it (VS Code's generic clients); the
    /// server always speaks over standard input and output.
    #[arg(long, hide = true)]
    pub stdio: bool,
}

impl LspArgs {
    /// Serves until the editor sends `exit` or closes standard input.
    pub fn run(self) -> Result<ExitCode, CmdError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| CmdError(format!("cannot start the language server: {err}")))?;
        runtime.block_on(kcfg_lsp::serve_stdio(self.log_level));
        Ok(ExitCode::SUCCESS)
    }
}
