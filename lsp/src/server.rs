//! The protocol side: a thin [`LanguageServer`] implementation that keeps
//! the [`World`], converts URIs to paths, and hands each request to the
//! feature's function ([`crate::features`]).
//!
//! Requests run synchronously under a read lock of the world (each takes
//! milliseconds); notifications that change documents take the write
//! lock. Diagnostics are published right away when a document opens and
//! [`Settings::debounce_ms`] after the last of a burst of changes: each
//! change bumps the document's generation, and the delayed task publishes
//! only if no change came after it.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use kcfg_lang::lines::{Encoding, LinePos};
use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::features;
use crate::world::{Change, Settings, World};
use crate::LogLevel;

/// The language server.
pub struct Server {
    client: Client,
    world: Arc<RwLock<World>>,
    generations: Arc<Mutex<HashMap<PathBuf, u64>>>,
    log_level: LogLevel,
}

/// The path a URI names: the file's for `file:` URIs, else the URI itself
/// (an unsaved buffer), which imports resolve against nothing.
pub fn uri_path(uri: &Uri) -> PathBuf {
    match uri.to_file_path() {
        Some(path) => kcfg_lang::program::normalize(&path),
        None => PathBuf::from(uri.as_str()),
    }
}

impl Server {
    /// A server talking to `client`, logging at `log_level`.
    pub fn new(client: Client, log_level: LogLevel) -> Server {
        let mut world = World::default();
        world.library_path = std::env::var("JSONNET_PATH")
            .map(|list| kcfg_render::importer::split_path_list(&list))
            .unwrap_or_default();
        Server {
            client,
            world: Arc::new(RwLock::new(world)),
            generations: Arc::default(),
            log_level,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, World> {
        self.world
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, World> {
        self.world
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn log(&self, level: LogLevel, message: String) {
        if level > self.log_level {
            return;
        }
        let _ = writeln!(std::io::stderr().lock(), "kcfg lsp: {message}");
        let kind = match level {
            LogLevel::Error => MessageType::ERROR,
            LogLevel::Warn => MessageType::WARNING,
            LogLevel::Info => MessageType::INFO,
            _ => MessageType::LOG,
        };
        self.client.log_message(kind, message).await;
    }

    /// Runs `f` on the open document at `uri` (or the file on disk).
    fn with_file<T>(
        &self,
        uri: &Uri,
        f: impl FnOnce(&World, &Arc<crate::analysis::FileAnalysis>) -> T,
    ) -> Option<T> {
        let world = self.read();
        let file = world.file(&uri_path(uri))?;
        Some(f(&world, &file))
    }

    /// Publishes the diagnostics of the document at `uri` now.
    async fn publish(&self, uri: Uri) {
        publish(&self.client, &self.world, uri).await;
    }

    fn apply_settings(&self, value: &Value) {
        let section = value.get("kcfg").unwrap_or(value);
        match serde_json::from_value::<Settings>(section.clone()) {
            Ok(settings) => self.write().settings = settings,
            Err(err) => {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "kcfg lsp: ignoring settings: {err}"
                );
            }
        }
    }
}

async fn publish(client: &Client, world: &RwLock<World>, uri: Uri) {
    let (diagnostics, version) = {
        let world = world
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let path = uri_path(&uri);
        let Some(document) = world.documents.get(&path) else {
            return;
        };
        (
            features::diagnostics::diagnostics(&world, &document.analysis, &uri),
            document.version,
        )
    };
    client
        .publish_diagnostics(uri, diagnostics, Some(version))
        .await;
}

fn encoding_of(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|general| general.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn line_pos(position: Position) -> LinePos {
    LinePos {
        line: position.line,
        character: position.character,
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let encoding = encoding_of(&params);
        {
            let mut world = self.write();
            world.encoding = Some(encoding);
            world.snippets = params
                .capabilities
                .text_document
                .as_ref()
                .and_then(|text| text.completion.as_ref())
                .and_then(|completion| completion.completion_item.as_ref())
                .and_then(|item| item.snippet_support)
                .unwrap_or(false);
            let mut roots: Vec<PathBuf> = params
                .workspace_folders
                .iter()
                .flatten()
                .filter_map(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
                .collect();
            #[allow(deprecated)]
            if roots.is_empty() {
                roots.extend(
                    params
                        .root_uri
                        .as_ref()
                        .and_then(|uri| uri.to_file_path().map(|p| p.into_owned())),
                );
            }
            world.roots = roots;
        }
        if let Some(options) = &params.initialization_options {
            self.apply_settings(options);
        }
        let encoding_kind = match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        };
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "kcfg".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding_kind),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), "/".into(), "\"".into(), "'".into()]),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_range_formatting_provider: Some(OneOf::Left(true)),
                ..ServerCapabilities::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let watchers = vec![FileSystemWatcher {
            glob_pattern: GlobPattern::String("**/*.{kcfg,jsonnet,libsonnet}".to_string()),
            kind: None,
        }];
        let options = DidChangeWatchedFilesRegistrationOptions { watchers };
        let registration = Registration {
            id: "kcfg-watched-files".to_string(),
            method: "workspace/didChangeWatchedFiles".to_string(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(err) = self.client.register_capability(vec![registration]).await {
            self.log(
                LogLevel::Debug,
                format!("file watching not registered: {err}"),
            )
            .await;
        }
        // Settings the client keeps under `kcfg` (`workspace/configuration`);
        // an empty answer keeps those of `initializationOptions`.
        let item = ConfigurationItem {
            scope_uri: None,
            section: Some("kcfg".to_string()),
        };
        match self.client.configuration(vec![item]).await {
            Ok(values) => {
                if let Some(value) = values.into_iter().next() {
                    if value.as_object().is_some_and(|section| !section.is_empty()) {
                        self.apply_settings(&value);
                    }
                }
            }
            Err(err) => {
                let message = format!("no workspace configuration: {err}");
                self.log(LogLevel::Debug, message).await;
            }
        }
        self.log(LogLevel::Info, "kcfg language server ready".to_string())
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let path = uri_path(&document.uri);
        self.log(LogLevel::Debug, format!("open {}", path.display()))
            .await;
        self.write().open(path, document.version, &document.text);
        self.publish(document.uri).await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let path = uri_path(&uri);
        let changes = params
            .content_changes
            .into_iter()
            .map(|change| Change {
                range: change
                    .range
                    .map(|range| (line_pos(range.start), line_pos(range.end))),
                text: change.text,
            })
            .collect();
        let (changed, debounce) = {
            let mut world = self.write();
            let changed = world.change(&path, params.text_document.version, changes);
            (changed, world.settings.debounce_ms.unwrap_or(150))
        };
        if !changed {
            self.log(
                LogLevel::Warn,
                format!("change to a document that is not open: {}", path.display()),
            )
            .await;
            return;
        }
        let generation = {
            let mut generations = self.generations.lock().unwrap_or_else(|p| p.into_inner());
            let generation = generations.entry(path.clone()).or_default();
            *generation += 1;
            *generation
        };
        let client = self.client.clone();
        let world = self.world.clone();
        let generations = self.generations.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(debounce)).await;
            let current = generations
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&path)
                .copied();
            if current == Some(generation) {
                publish(&client, &world, uri).await;
            }
        });
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let path = uri_path(&uri);
        self.write().close(&path);
        self.generations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&path);
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        {
            let world = self.read();
            for change in &params.changes {
                world.forget(&uri_path(&change.uri));
            }
        }
        self.log(
            LogLevel::Debug,
            format!("{} watched files changed", params.changes.len()),
        )
        .await;
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        if params
            .settings
            .as_object()
            .is_some_and(|settings| !settings.is_empty())
        {
            self.apply_settings(&params.settings);
        }
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let at = params.text_document_position_params;
        let found = self.with_file(&at.text_document.uri, |world, file| {
            features::definition::definition(world, file, at.position)
        });
        Ok(found
            .filter(|l| !l.is_empty())
            .map(GotoDefinitionResponse::Array))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let at = params.text_document_position;
        Ok(self.with_file(&at.text_document.uri, |world, file| {
            features::references::references(world, file, at.position)
        }))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let found = self.with_file(&params.text_document.uri, |world, file| {
            features::references::prepare_rename(world, file, params.position)
        });
        match found {
            None => Ok(None),
            Some(Ok(response)) => Ok(response),
            Some(Err(message)) => Err(Error::invalid_params(message)),
        }
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let at = params.text_document_position;
        let found = self.with_file(&at.text_document.uri, |world, file| {
            features::references::rename(world, file, at.position, &params.new_name)
        });
        match found {
            None => Ok(None),
            Some(Ok(edit)) => Ok(edit),
            Some(Err(message)) => Err(Error::invalid_params(message)),
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let at = params.text_document_position;
        Ok(self
            .with_file(&at.text_document.uri, |world, file| {
                features::completion::completion(world, file, at.position)
            })
            .map(CompletionResponse::Array))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let at = params.text_document_position_params;
        Ok(self
            .with_file(&at.text_document.uri, |world, file| {
                features::hover::hover(world, file, at.position)
            })
            .flatten())
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .with_file(&params.text_document.uri, |world, file| {
                features::symbols::document_symbols(world, file)
            })
            .map(DocumentSymbolResponse::Nested))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let world = self.read();
        let symbols = features::symbols::workspace_symbols(&world, &params.query);
        Ok(Some(WorkspaceSymbolResponse::Flat(symbols)))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        Ok(self.with_file(&params.text_document.uri, |world, file| {
            features::folding::folding_ranges(world, file)
        }))
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        Ok(self.with_file(&params.text_document.uri, |world, file| {
            features::selection::selection_ranges(world, file, &params.positions)
        }))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self.with_file(&params.text_document.uri, |world, file| {
            features::formatting::format(world, file, None)
        }))
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        Ok(self.with_file(&params.text_document.uri, |world, file| {
            features::formatting::format(world, file, Some(params.range))
        }))
    }
}
