//! Per-feature tests over fixtures (issue 17): each file in `fixtures/`
//! holds a request and the files it runs over, with `$0` marking the
//! cursor, and the response is an insta snapshot. See `fixtures/README.md`.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kcfg_lsp::analysis::FileAnalysis;
use kcfg_lsp::features;
use kcfg_lsp::world::World;
use tower_lsp_server::ls_types::{
    CompletionTextEdit, DocumentSymbol, Documentation, Location, Position, Range, TextEdit, Uri,
};

/// A fixture laid out in a temporary directory, its cursor file open.
struct Fixture {
    dir: tempfile::TempDir,
    world: World,
    file: Arc<FileAnalysis>,
    at: Position,
    request: String,
    argument: String,
}

fn load(text: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let request_line = header
        .strip_prefix("# request: ")
        .expect("a `# request: NAME` line first");
    let (request, argument) = request_line.split_once(' ').unwrap_or((request_line, ""));
    let mut files: Vec<(String, String)> = Vec::new();
    let mut settings = None;
    for line in lines {
        if let Some(json) = line.strip_prefix("# settings: ") {
            let value: serde_json::Value = serde_json::from_str(json).expect("settings are JSON");
            settings = Some(serde_json::from_value(value).expect("settings match `Settings`"));
        } else if let Some(name) = line.strip_prefix("//- ") {
            files.push((name.trim().to_string(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let mut world = World::default();
    world.roots = vec![dir.path().to_path_buf()];
    world.snippets = true;
    world.settings = settings.unwrap_or_default();
    let mut cursor = None;
    for (name, body) in files {
        let path = dir.path().join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match body.find("$0") {
            Some(at) => {
                let clean = body.replacen("$0", "", 1);
                std::fs::write(&path, &clean).unwrap();
                world.open(path.clone(), 1, &clean);
                cursor = Some((path, at));
            }
            None => std::fs::write(&path, &body).unwrap(),
        }
    }
    let (path, offset) = cursor.expect("a `$0` cursor in one file");
    let file = world.file(&path).unwrap();
    let at = kcfg_lsp::position::position(&file, offset as u32, world.encoding());
    Fixture {
        dir,
        world,
        file,
        at,
        request: request.to_string(),
        argument: argument.to_string(),
    }
}

impl Fixture {
    fn show_uri(&self, uri: &Uri) -> String {
        let path = uri.to_file_path().unwrap().into_owned();
        let root = self.dir.path().canonicalize().unwrap();
        path.strip_prefix(self.dir.path())
            .or_else(|_| path.strip_prefix(&root))
            .unwrap_or(&path)
            .display()
            .to_string()
    }

    fn show_range(range: Range) -> String {
        format!(
            "{}:{}-{}:{}",
            range.start.line + 1,
            range.start.character + 1,
            range.end.line + 1,
            range.end.character + 1
        )
    }

    fn show_location(&self, location: &Location) -> String {
        let file = self.dir.path().join(self.show_uri(&location.uri));
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let line = text
            .lines()
            .nth(location.range.start.line as usize)
            .unwrap_or("")
            .trim();
        format!(
            "{} {}  | {line}",
            self.show_uri(&location.uri),
            Self::show_range(location.range)
        )
    }

    fn edits(&self, edits: &[TextEdit]) -> String {
        edits
            .iter()
            .map(|edit| format!("{} -> {:?}\n", Self::show_range(edit.range), edit.new_text))
            .collect()
    }

    fn symbols(out: &mut String, symbols: &[DocumentSymbol], depth: usize) {
        for symbol in symbols {
            let _ = writeln!(
                out,
                "{}{} {:?} {}",
                "  ".repeat(depth),
                symbol.name,
                symbol.kind,
                Self::show_range(symbol.selection_range)
            );
            if let Some(children) = &symbol.children {
                Self::symbols(out, children, depth + 1);
            }
        }
    }

    fn run(&self) -> String {
        let (world, file, at) = (&self.world, &self.file, self.at);
        let mut out = String::new();
        match self.request.as_str() {
            "definition" => {
                for location in features::definition::definition(world, file, at) {
                    let _ = writeln!(out, "{}", self.show_location(&location));
                }
            }
            "references" => {
                let mut found: Vec<String> = features::references::references(world, file, at)
                    .iter()
                    .map(|location| self.show_location(location))
                    .collect();
                found.sort();
                for line in found {
                    let _ = writeln!(out, "{line}");
                }
            }
            "prepareRename" => match features::references::prepare_rename(world, file, at) {
                Ok(response) => out = format!("{response:?}\n"),
                Err(message) => out = format!("refused: {message}\n"),
            },
            "rename" => match features::references::rename(world, file, at, &self.argument) {
                Ok(Some(edit)) => {
                    let mut changes: Vec<_> =
                        edit.changes.unwrap_or_default().into_iter().collect();
                    changes.sort_by_key(|(uri, _)| uri.as_str().to_string());
                    for (uri, edits) in changes {
                        let _ = writeln!(out, "{}:", self.show_uri(&uri));
                        out.push_str(&self.edits(&edits));
                    }
                }
                Ok(None) => out.push_str("nothing to rename\n"),
                Err(message) => out = format!("refused: {message}\n"),
            },
            "completion" => {
                let mut items = features::completion::completion(world, file, at);
                let filter = self.argument.as_str();
                items.retain(|item| filter.is_empty() || item.label.starts_with(filter));
                for item in items {
                    let documentation = match &item.documentation {
                        Some(Documentation::MarkupContent(markup)) if self.argument.is_empty() => {
                            format!("\n  {}", markup.value.replace('\n', "\n  "))
                        }
                        _ => String::new(),
                    };
                    let insert = match (&item.text_edit, &item.insert_text) {
                        (Some(CompletionTextEdit::Edit(edit)), _) => {
                            format!(" edit {} {:?}", Self::show_range(edit.range), edit.new_text)
                        }
                        (_, Some(text)) => format!(" insert {text:?}"),
                        _ => String::new(),
                    };
                    let _ = writeln!(
                        out,
                        "{} {:?} {}{insert}{documentation}",
                        item.label,
                        item.kind.unwrap(),
                        item.detail.unwrap_or_default()
                    );
                }
            }
            "hover" => match features::hover::hover(world, file, at) {
                Some(hover) => {
                    let tower_lsp_server::ls_types::HoverContents::Markup(markup) = hover.contents
                    else {
                        panic!("markup expected")
                    };
                    let _ = writeln!(out, "{}", Self::show_range(hover.range.unwrap()));
                    out.push_str(&markup.value);
                    out.push('\n');
                }
                None => out.push_str("no hover\n"),
            },
            "symbols" => Self::symbols(
                &mut out,
                &features::symbols::document_symbols(world, file),
                0,
            ),
            "workspaceSymbols" => {
                for symbol in features::symbols::workspace_symbols(world, &self.argument) {
                    let _ = writeln!(
                        out,
                        "{} {:?} in {} {}",
                        symbol.name,
                        symbol.kind,
                        symbol.container_name.unwrap_or_default(),
                        self.show_location(&symbol.location)
                    );
                }
            }
            "folding" => {
                for range in features::folding::folding_ranges(world, file) {
                    let _ = writeln!(
                        out,
                        "{}-{} {:?}",
                        range.start_line + 1,
                        range.end_line + 1,
                        range.kind
                    );
                }
            }
            "selection" => {
                let ranges = features::selection::selection_ranges(world, file, &[at]);
                let mut range = ranges.first().cloned();
                while let Some(current) = range {
                    let _ = writeln!(out, "{}", Self::show_range(current.range));
                    range = current.parent.map(|parent| *parent);
                }
            }
            "formatting" => {
                out.push_str(&self.edits(&features::formatting::format(world, file, None)))
            }
            "diagnostics" => {
                let uri = Uri::from_file_path(&file.path).unwrap();
                for diagnostic in features::diagnostics::diagnostics(world, file, &uri) {
                    let code = match diagnostic.code {
                        Some(tower_lsp_server::ls_types::NumberOrString::String(code)) => code,
                        _ => String::new(),
                    };
                    let _ = writeln!(
                        out,
                        "{} {code}: {}",
                        Self::show_range(diagnostic.range),
                        diagnostic.message
                    );
                }
            }
            other => panic!("unknown request {other}"),
        }
        if out.is_empty() {
            out.push_str("(nothing)\n");
        }
        out
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn issue17_fixtures() {
    insta::glob!("fixtures/*.fixture", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let fixture = load(&text);
        insta::assert_snapshot!(fixture.run());
    });
    assert!(fixtures_dir().join("README.md").is_file());
}
