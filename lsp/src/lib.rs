//! kcfg-lsp: kcfg's language server (`kcfg lsp`, issue 17).
//!
//! It understands `.kcfg`, `.jsonnet` and `.libsonnet` files without
//! evaluating them: everything comes from the syntax tree (recovered where
//! the text does not parse yet, [`kcfg_lang::syntax::parse_recovering`])
//! and the analyzer's use→definition table
//! ([`kcfg_lang::analyze::analyze_all`]), followed across `+` merges and
//! imports by [`shape`].
//!
//! The layout follows taplo's and biome's servers: [`server`] is a thin
//! `tower-lsp-server` implementation that passes the [`world::World`] and
//! the request's parameters to one plain function per feature
//! ([`features`]), each testable without the transport.
//!
//! ```
//! use kcfg_lsp::world::World;
//! use tower_lsp_server::ls_types::Position;
//!
//! let mut world = World::default();
//! let path = std::path::PathBuf::from("/project/main.kcfg");
//! world.open(path.clone(), 1, "local base = { port: 80 };\nbase { port: 8080 }.port\n");
//! let file = world.file(&path).unwrap();
//! // `port` after `.`: both layers define it.
//! let defs = kcfg_lsp::features::definition::definition(&world, &file, Position::new(1, 22));
//! assert_eq!(defs.len(), 2);
//! ```
//!
//! Standard output is the protocol channel: the crate never prints
//! (`clippy::print_stdout` and `print_stderr` are denied); logs go to the
//! client (`window/logMessage`) and to standard error.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod features;
pub mod lookup;
pub mod plans;
pub mod position;
pub mod server;
pub mod shape;
pub mod std_docs;
pub mod walk;
pub mod world;

use tower_lsp_server::{LspService, Server};

/// How much the server logs (to standard error and the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Errors only.
    Error,
    /// Errors and warnings (the default).
    #[default]
    Warn,
    /// And what the server does.
    Info,
    /// And every document event.
    Debug,
}

impl std::str::FromStr for LogLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<LogLevel, String> {
        Ok(match text {
            "off" => LogLevel::Off,
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            _ => {
                return Err(format!(
                    "unknown log level {text:?} (off, error, warn, info, debug)"
                ))
            }
        })
    }
}

/// Serves the protocol over standard input and output until the client
/// sends `exit` or closes the input.
pub async fn serve_stdio(log_level: LogLevel) {
    let (service, socket) = LspService::new(|client| server::Server::new(client, log_level));
    Server::new(tokio::io::stdin(), tokio::io::stdout(), socket)
        .serve(service)
        .await;
}
