//! `kcfg lsp` as a process over standard input and output (issue 17):
//! initialize, open, change, every request the server offers, shutdown and
//! exit, on a small project in a temporary directory.
#![allow(clippy::disallowed_methods)]

#[path = "lsp/client.rs"]
mod client;

use serde_json::{json, Value};

use client::Client;

fn uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

fn position(line: u32, character: u32) -> Value {
    json!({ "line": line, "character": character })
}

#[test]
fn issue17_protocol_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let sacrificial = tempfile::tempdir().unwrap();
    std::fs::write(sacrificial.path().join("keep.kcfg"), "{ keep: true }\n").unwrap();
    std::fs::create_dir(root.join("lib")).unwrap();
    let lib = root.join("lib/base.libsonnet");
    std::fs::write(&lib, "{\n  // The port.\n  port: 80,\n}\n").unwrap();
    let main = root.join("main.kcfg");
    let text = "local base = import 'lib/base.libsonnet';\nbase { port: 8080 } {\n  x: [1 2],\n}\n";
    std::fs::write(&main, text).unwrap();
    let main_uri = uri(&main);
    let doc = json!({ "uri": main_uri });

    let mut client = Client::start(&["--log-level", "debug"]);
    let init = client.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": uri(&root),
            "capabilities": { "general": { "positionEncodings": ["utf-16"] } },
            "initializationOptions": {
                "kcfg": { "debounceMs": 20, "extVars": { "cluster": "edge-1" } }
            },
        }),
    );
    let capabilities = &init["result"]["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(
        capabilities["textDocumentSync"]["change"], 2,
        "incremental sync"
    );
    for provider in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "documentFormattingProvider",
        "documentRangeFormattingProvider",
        "foldingRangeProvider",
        "selectionRangeProvider",
    ] {
        assert_eq!(capabilities[provider], true, "{provider}");
    }
    assert_eq!(capabilities["renameProvider"]["prepareProvider"], true);
    client.notify("initialized", json!({}));

    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": main_uri, "languageId": "jsonnet", "version": 1, "text": text } }),
    );
    let published =
        client.wait_notification("textDocument/publishDiagnostics", |p| p["uri"] == main_uri);
    let diagnostics = published["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{published}");
    assert_eq!(diagnostics[0]["code"], "kcfg::syntax::expected_comma");
    assert_eq!(diagnostics[0]["range"]["start"], position(2, 8));

    // An incremental change fixes it: `[1 2]` becomes `[1, 2]`; the
    // debounced diagnostics clear.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": main_uri, "version": 2 },
            "contentChanges": [{ "range": { "start": position(2, 7), "end": position(2, 7) }, "text": "," }],
        }),
    );
    let published = client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == main_uri && p["version"] == 2
    });
    assert_eq!(published["diagnostics"], json!([]), "{published}");

    // `port` of `port: 8080` is defined in both layers.
    let definition = client.request(
        "textDocument/definition",
        json!({ "textDocument": doc, "position": position(1, 8) }),
    );
    let locations = definition["result"].as_array().unwrap();
    assert_eq!(locations.len(), 2, "{definition}");
    assert_eq!(locations[0]["uri"], uri(&lib));

    let hover = client.request(
        "textDocument/hover",
        json!({ "textDocument": doc, "position": position(1, 8) }),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("port: 8080"), "{value}");

    let completion = client.request(
        "textDocument/completion",
        json!({ "textDocument": doc, "position": position(0, 1) }),
    );
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"local") && labels.contains(&"std"),
        "{labels:?}"
    );

    let references = client.request(
        "textDocument/references",
        json!({ "textDocument": doc, "position": position(0, 7), "context": { "includeDeclaration": true } }),
    );
    assert_eq!(
        references["result"].as_array().unwrap().len(),
        2,
        "{references}"
    );

    let prepare = client.request(
        "textDocument/prepareRename",
        json!({ "textDocument": doc, "position": position(0, 7) }),
    );
    assert_eq!(prepare["result"]["placeholder"], "base", "{prepare}");
    let rename = client.request(
        "textDocument/rename",
        json!({ "textDocument": doc, "position": position(0, 7), "newName": "parent" }),
    );
    assert_eq!(
        rename["result"]["changes"][&main_uri]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{rename}"
    );
    let refused = client.request(
        "textDocument/rename",
        json!({ "textDocument": doc, "position": position(0, 7), "newName": "not a name" }),
    );
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not an identifier"));

    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": doc }),
    );
    assert_eq!(symbols["result"][0]["name"], "base", "{symbols}");
    let workspace = client.request("workspace/symbol", json!({ "query": "port" }));
    assert!(
        !workspace["result"].as_array().unwrap().is_empty(),
        "{workspace}"
    );
    let folding = client.request("textDocument/foldingRange", json!({ "textDocument": doc }));
    assert!(
        !folding["result"].as_array().unwrap().is_empty(),
        "{folding}"
    );
    let selection = client.request(
        "textDocument/selectionRange",
        json!({ "textDocument": doc, "positions": [position(2, 6)] }),
    );
    assert!(selection["result"][0]["parent"].is_object(), "{selection}");
    let formatting = client.request(
        "textDocument/formatting",
        json!({ "textDocument": doc, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    // `base { port: 8080 } {` is formatted as written already; the file
    // is unchanged but for nothing.
    assert!(formatting["result"].is_array(), "{formatting}");
    let range_formatting = client.request(
        "textDocument/rangeFormatting",
        json!({ "textDocument": doc, "range": { "start": position(2, 0), "end": position(2, 9) },
                "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    assert!(range_formatting["result"].is_array(), "{range_formatting}");

    // The library changes on disk: after the watched-file event, only the
    // document's own layer defines `port`.
    std::fs::write(&lib, "{\n  host: 'a',\n}\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&lib), "type": 2 }] }),
    );
    let definition = client.request(
        "textDocument/definition",
        json!({ "textDocument": doc, "position": position(1, 8) }),
    );
    assert_eq!(
        definition["result"].as_array().unwrap().len(),
        1,
        "{definition}"
    );

    // External variables from `initializationOptions`: completed inside
    // `std.extVar('` and shown on hover.
    let ext = root.join("ext.kcfg");
    let ext_text = "{ a: std.extVar('cluster'), b: std.extVar('') }\n";
    std::fs::write(&ext, ext_text).unwrap();
    let ext_uri = uri(&ext);
    let ext_doc = json!({ "uri": ext_uri });
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": ext_uri, "languageId": "jsonnet", "version": 1, "text": ext_text } }),
    );
    client.wait_notification("textDocument/publishDiagnostics", |p| p["uri"] == ext_uri);
    let completion = client.request(
        "textDocument/completion",
        json!({ "textDocument": ext_doc, "position": position(0, 43) }),
    );
    let labels: Vec<&str> = completion["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["cluster"], "{completion}");
    let hover_ext = |client: &mut Client| {
        let hover = client.request(
            "textDocument/hover",
            json!({ "textDocument": ext_doc, "position": position(0, 20) }),
        );
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let value = hover_ext(&mut client);
    assert!(value.contains("\"edge-1\""), "{value}");

    // Settings change: a `jpath` directory makes `import 'deep.libsonnet'`
    // resolvable, and `cluster` becomes code.
    std::fs::create_dir(root.join("more")).unwrap();
    std::fs::write(root.join("more/deep.libsonnet"), "{ deep: 1 }\n").unwrap();
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "kcfg": {
            "jpath": ["more"],
            "debounceMs": 20,
            "extCode": { "cluster": "{ name: 'edge-2' }" },
        } } }),
    );
    let value = hover_ext(&mut client);
    assert!(
        value.contains("set to code") && value.contains("{ name: 'edge-2' }"),
        "{value}"
    );
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": main_uri, "version": 3 },
            "contentChanges": [{ "text": "(import 'deep.libsonnet').deep\n" }],
        }),
    );
    let definition = client.request(
        "textDocument/definition",
        json!({ "textDocument": doc, "position": position(0, 27) }),
    );
    let found = definition["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{definition}");
    assert_eq!(found[0]["uri"], uri(&root.join("more/deep.libsonnet")));

    client.notify("textDocument/didClose", json!({ "textDocument": doc }));
    let cleared = client.wait_notification("textDocument/publishDiagnostics", |p| {
        p["uri"] == main_uri
            && p["diagnostics"] == json!([])
            && p.get("version").is_none_or(Value::is_null)
    });
    assert_eq!(cleared["diagnostics"], json!([]));

    let shutdown = client.request("shutdown", Value::Null);
    assert_eq!(shutdown["result"], Value::Null, "{shutdown}");
    client.notify("exit", Value::Null);
    let status = client.finish();
    assert!(status.success(), "{status:?}");

    // Nothing outside the project was touched.
    let kept = std::fs::read_to_string(sacrificial.path().join("keep.kcfg")).unwrap();
    assert_eq!(kept, "{ keep: true }\n");
    assert_eq!(std::fs::read_to_string(&main).unwrap(), text);
    assert_eq!(
        std::fs::read_to_string(&lib).unwrap(),
        "{\n  host: 'a',\n}\n"
    );
}
