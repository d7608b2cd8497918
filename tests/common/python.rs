//! Finding a Python that has a module (numpy, jsonschema), and running a
//! script with it.

use std::io::Write;
use std::process::{Command, Stdio};

/// The first of `$BPC_PYTHON`, `python3` and `/usr/bin/python3` that can
/// import every one of `modules`. Without one, CI fails (`CI` is set there and
/// `.ci/run` installs them); elsewhere the caller skips, saying so.
pub fn with(modules: &[&str]) -> Option<String> {
    let import = format!("import {}", modules.join(", "));
    let candidates = std::env::var("BPC_PYTHON")
        .ok()
        .into_iter()
        .chain(["python3".to_string(), "/usr/bin/python3".to_string()]);
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", &import])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(python);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI needs a python3 with {modules:?} (.ci/run installs them)"
    );
    eprintln!(
        "skipped: no python3 with {modules:?} (apt-get install python3-numpy python3-jsonschema)"
    );
    None
}

/// Runs `python -c code` with `input` on stdin; returns stdout, or panics
/// with stderr.
pub fn run(python: &str, code: &str, input: &str) -> String {
    let mut child = Command::new(python)
        .args(["-c", code])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("python runs");
    writer.join().expect("writer").expect("stdin written");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
