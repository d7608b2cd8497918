//! Helpers of the security tests: scratch folders, files, the real binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh, empty folder for one test, removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("bpc-security-")
        .tempdir()
        .expect("a temporary folder")
}

/// Writes `text` to `dir/name`; returns the path as a string.
pub fn put(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// The path `dir/name` as a string.
pub fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

/// Runs the real `bpc` binary in `dir` with `args`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bpc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the bpc binary runs")
}

/// True when the tests run as root (root-only cases are skipped otherwise,
/// with a message).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The folder's file names, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A spec that trains one param `w` to 3 (loss (w - 3)²).
pub const TRAIN_SPEC: &str = "\
params:
  w: 0.0
inputs:
  t: 3.0
nodes:
  d: sub(w, t)
  loss: square(d)
output: loss
train:
  epochs: 5
  lr: 0.1
";

/// `spec` as a `PathBuf` in `dir`.
pub fn pb(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// A rendered message on one line: words joined by single spaces, miette's
/// wrapping (`│` continuation marks) removed.
pub fn flat(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ")
}
