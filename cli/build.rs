//! Build settings of the `kcfg` binary.
//!
//! **Linking.** `kcfg` is linked as a position-dependent executable. A
//! position-independent executable of this size spends a third of a
//! trivial run's CPU time applying relocations at start-up, and many
//! Jsonnet programs run in one or two milliseconds: `-no-pie` cuts a short
//! run's CPU time by about 40%. The code of the crates stays
//! position-independent; only the final link changes.
//!
//! **Version.** The git commit and the build date for `kcfg --version`
//! (issue 16); `build/info.rs` says where they come from. The script runs
//! again when HEAD moves (a commit, a checkout) or `SOURCE_DATE_EPOCH`
//! changes, not on every edit, so a development build's date is that of
//! its last commit change; a release build from a fresh checkout has
//! today's.

#[path = "build/info.rs"]
mod info;

use std::path::Path;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("linux") {
        println!("cargo:rustc-link-arg-bin=kcfg=-no-pie");
    }

    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    // The workspace root: cli/'s parent.
    let root = Path::new(&manifest)
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let (commit, paths) = info::commit(&root, &|args| info::git(&root, args));
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
    println!("cargo:rustc-env=KCFG_COMMIT={commit}");
    println!(
        "cargo:rustc-env=KCFG_BUILD_DATE={}",
        info::build_date(epoch.as_deref())
    );
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/info.rs");
    for path in paths {
        // A path that does not exist would make cargo run the script on
        // every build (packed-refs often does not).
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
