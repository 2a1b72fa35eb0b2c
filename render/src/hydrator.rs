//! The two small files of the `hydrator` layout besides `manifest.yaml`:
//! `hydrator.metadata` and `README.md`, as Argo CD's source hydrator
//! writes them.
//!
//! `kcfg hydrate` (kcfg-apply, which does not depend on the language)
//! writes the same files when it commits a cluster's branch; the `kcfg`
//! binary's tests check that the two agree byte for byte.

/// The command recorded when the caller gives none.
pub const COMMAND: &str = "kcfg render";

/// The command that reproduces one target: the caller's render command
/// (which names the plan, the output and the flags that change the output)
/// followed by `--only <target>` (issue 16: `kcfg render` alone did not say
/// which plan, layout or arguments made the files).
pub fn command(render: Option<&str>, target: &str) -> String {
    format!(
        "{} --only {}",
        render.unwrap_or(COMMAND),
        shell_word(target)
    )
}

/// `word` as a POSIX shell reads it back: unchanged when it holds only
/// characters no shell treats specially, else in single quotes.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ':' | ',' | '+' | '@' | '%' | '=')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// `hydrator.metadata`: the command that rendered the target, as pretty
/// JSON with a final line break.
pub fn metadata(command: &str) -> String {
    let value = serde_json::json!({ "commands": [command] });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// `README.md`: what the directory is, how many objects it holds and how
/// it was rendered.
pub fn readme(target: &str, objects: usize, command: &str) -> String {
    let plural = if objects == 1 { "" } else { "s" };
    format!(
        "# {target}\n\nHydrated manifests for `{target}`, written by kcfg. Do not edit: \
         changes here are overwritten by the next render.\n\n{objects} object{plural} in \
         `manifest.yaml`.\n\nRendered with:\n\n```shell\n{command}\n```\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue16_files_name_the_command_that_reproduces_them() {
        let command = command(
            Some("kcfg render deploy --layout hydrator --tla-str env=prod"),
            "edge-1/web",
        );
        assert_eq!(
            command,
            "kcfg render deploy --layout hydrator --tla-str env=prod --only edge-1/web"
        );
        assert_eq!(
            metadata(&command),
            "{\n  \"commands\": [\n    \"kcfg render deploy --layout hydrator --tla-str env=prod --only edge-1/web\"\n  ]\n}\n"
        );
        insta::assert_snapshot!(readme("edge-1/web", 2, &command), @r"
        # edge-1/web

        Hydrated manifests for `edge-1/web`, written by kcfg. Do not edit: changes here are overwritten by the next render.

        2 objects in `manifest.yaml`.

        Rendered with:

        ```shell
        kcfg render deploy --layout hydrator --tla-str env=prod --only edge-1/web
        ```
        ");
    }

    #[test]
    fn issue16_shell_words_read_back() {
        assert_eq!(shell_word("edge-1/web"), "edge-1/web");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("*"), "'*'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(command(None, "x"), "kcfg render --only x");
        assert!(readme("x", 1, "c").contains("\n1 object in `manifest.yaml`.\n"));
    }
}
