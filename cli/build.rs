//! Links `kcfg` as a position-dependent executable.
//!
//! A position-independent executable of this size spends a third of a
//! trivial run's CPU time applying relocations at start-up, and many
//! Jsonnet programs run in one or two milliseconds: `-no-pie` cuts a short
//! run's CPU time by about 40%. The code of the crates stays
//! position-independent; only the final link changes.
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.contains("linux") {
        println!("cargo:rustc-link-arg-bin=kcfg=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
