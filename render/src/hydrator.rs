//! The two small files of the `hydrator` layout besides `manifest.yaml`:
//! `hydrator.metadata` and `README.md`, as Argo CD's source hydrator
//! writes them.
//!
//! `kcfg hydrate` (kcfg-apply, which does not depend on the language)
//! writes the same files when it commits a cluster's branch; the `kcfg`
//! binary's tests check that the two agree byte for byte.

/// The command recorded as having rendered the target.
pub const COMMAND: &str = "kcfg render";

/// `hydrator.metadata`: the commands that rendered the target, as pretty
/// JSON with a final line break.
pub fn metadata() -> String {
    let value = serde_json::json!({ "commands": [COMMAND] });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
    text.push('\n');
    text
}

/// `README.md`: what the directory is, how many objects it holds and how
/// it was rendered.
pub fn readme(target: &str, objects: usize) -> String {
    format!(
        "# {target}\n\nHydrated manifests for `{target}`, written by kcfg. Do not edit: \
         changes here are overwritten by the next render.\n\n{objects} object(s) in \
         `manifest.yaml`.\n\nRendered with:\n\n```shell\n{COMMAND}\n```\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_name_the_command() {
        assert_eq!(
            metadata(),
            "{\n  \"commands\": [\n    \"kcfg render\"\n  ]\n}\n"
        );
        insta::assert_snapshot!(readme("edge-1/web", 2), @r"
        # edge-1/web

        Hydrated manifests for `edge-1/web`, written by kcfg. Do not edit: changes here are overwritten by the next render.

        2 object(s) in `manifest.yaml`.

        Rendered with:

        ```shell
        kcfg render
        ```
        ");
    }
}
