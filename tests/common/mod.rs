//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod python;
pub mod random_spec;

use std::path::Path;

/// Runs the CLI in-process (colour off, not a terminal); returns (status, stdout, stderr).
pub fn bpc(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("bpc").chain(args.iter().copied());
    let status = bpc::cmd::run(
        argv,
        &mut bpc::session::Io {
            out: &mut out,
            err: &mut err,
            color: false,
            tty: false,
        },
    );
    (
        status,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// A path relative to the crate root, as a string.
pub fn root(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

/// The path of a file as written in snapshots: relative to the crate root.
pub fn rel(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
}
