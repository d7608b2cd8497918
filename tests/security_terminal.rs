//! Terminal safety: strings from a spec, a CSV or the command line reach the
//! terminal with their control, escape and bidi characters shown as visible
//! escapes, and echoed source text is clipped (issue 10).

mod common;
mod security_util;

use common::bpc;
use security_util::{put, scratch};

/// Characters that must never reach a terminal as themselves.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| bpc::term::is_unsafe(c) && c != '\n')
        .collect()
}

/// A spec whose name paints a fake success over the terminal, whose
/// description sets the clipboard, and which reverses text with U+202E.
const HOSTILE: &str = "\
name: \"evil\\e[2K\\r✓ all 12 expectations passed\\e[8m\"
description: \"sets the clipboard \\e]52;c;aGk=\\a and \\u202Ereverses\\u009b31m\"
inputs:
  a: 2
nodes:
  y: square(a)
output: y
expect:
  values:
    y: 5
";

#[test]
fn names_and_descriptions_are_escaped_in_the_table() {
    let dir = scratch();
    let spec = put(dir.path(), "s.yaml", HOSTILE);
    let (code, out, err) = bpc(&["run", &spec]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out}");
    assert!(out.contains("evil\\x1b[2K\\x0d✓"), "{out}");
    assert!(out.contains("\\x1b]52;c;aGk=\\x07"), "{out}");
    assert!(out.contains("\\u{202e}reverses\\u{9b}31m"), "{out}");
}

#[test]
fn a_failing_check_cannot_paint_a_fake_pass() {
    let dir = scratch();
    let spec = put(dir.path(), "s.yaml", HOSTILE);
    let (code, out, err) = bpc(&["check", "--no-gradcheck", &spec]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out}");
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err}");
    assert!(out.contains("answers: 0 of 1 right (1 wrong)"), "{out}");
}

#[test]
fn json_keeps_the_strings_but_escapes_them_for_terminals() {
    let dir = scratch();
    let spec = put(dir.path(), "s.yaml", HOSTILE);
    for args in [
        vec!["run", spec.as_str(), "--format", "json"],
        vec!["check", "--no-gradcheck", "--format", "json", spec.as_str()],
    ] {
        let (_, out, err) = bpc(&args);
        assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        let name = if args[0] == "run" {
            v["name"].clone()
        } else {
            v["specs"][0]["name"].clone()
        };
        assert_eq!(
            name.as_str().unwrap(),
            "evil\x1b[2K\r✓ all 12 expectations passed\x1b[8m"
        );
    }
}

#[test]
fn source_lines_echoed_in_errors_are_escaped() {
    let dir = scratch();
    // An escape sequence in a comment on the line of the error (YAML refuses
    // it, and the message shows the line), then a bidi override beside an
    // unknown op, which YAML accepts.
    let spec = put(
        dir.path(),
        "s.yaml",
        "inputs:\n  a: 1\nnodes:\n  y: mull(a) # \u{1b}[2J\u{1b}[31mfake\noutput: y\n",
    );
    let (code, _, err) = bpc(&["run", &spec]);
    assert_eq!(code, 2);
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err}");
    assert!(err.contains("# \\x1b[2J\\x1b[31mfake"), "{err}");
    assert!(err.contains("s.yaml:4:16]"), "{err}");
    let spec = put(
        dir.path(),
        "t.yaml",
        "inputs:\n  a: 1\nnodes:\n  y: mull(a) # \u{202e}gnp.exe \u{2066}x\noutput: y\n",
    );
    let (code, _, err) = bpc(&["run", &spec]);
    assert_eq!(code, 2);
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err}");
    assert!(err.contains("# \\u{202e}gnp.exe \\u{2066}x"), "{err}");
    // The place is still that of the original text.
    assert!(err.contains("t.yaml:4:6]"), "{err}");
}

#[test]
fn paths_and_arguments_from_the_command_line_are_escaped() {
    let dir = scratch();
    let evil = dir.path().join("\u{1b}]0;pwned\u{7}.yaml");
    let (code, _, err) = bpc(&["run", &evil.display().to_string()]);
    assert_eq!(code, 2);
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err}");
    assert!(err.contains("\\x1b]0;pwned\\x07.yaml"), "{err}");
    // clap's own messages quote the bad argument.
    let (code, _, err) = bpc(&["run", "specs/fruit.yaml", "--precision", "\u{1b}[2J"]);
    assert_eq!(code, 2);
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err}");
    let (code, _, err) = bpc(&["run", "specs/fruit.yaml", "--set", "\u{1b}[2J=1"]);
    assert_eq!(code, 2);
    assert_eq!(raw_controls(&err), Vec::<char>::new(), "{err}");
}

#[test]
fn a_spec_file_named_with_escapes_is_escaped_in_check_and_train() {
    let dir = scratch();
    let spec = put(
        dir.path(),
        "\u{1b}[2Jx.yaml",
        "params:\n  w: 1\nnodes:\n  l: square(w)\noutput: l\ntrain:\n  epochs: 2\n",
    );
    let (code, out, err) = bpc(&["check", "--no-gradcheck", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out}");
    let (code, out, err) = bpc(&["train", &spec]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(raw_controls(&out), Vec::<char>::new(), "{out}");
    assert!(out.contains("training `\\x1b[2Jx`"), "{out}");
}

#[test]
fn one_wrong_call_gives_a_short_message() {
    let dir = scratch();
    // 200,000 arguments on one line (1.2 MB), and a 1 MB name.
    let args = vec!["a"; 200_000].join(", ");
    let arity = put(
        dir.path(),
        "arity.yaml",
        format!("inputs:\n  a: 1\nnodes:\n  y: mul({args})\noutput: y\n"),
    );
    let name = put(
        dir.path(),
        "name.yaml",
        format!(
            "inputs:\n  a: 1\nnodes:\n  y: mul(a, {})\noutput: y\n",
            "b".repeat(1 << 20)
        ),
    );
    for spec in [arity, name] {
        let (code, _, err) = bpc(&["run", &spec]);
        assert_eq!(code, 2);
        assert!(err.len() < 4000, "{} bytes:\n{err}", err.len());
        assert!(err.contains(":4:"), "{err}");
        assert!(err.contains('…'), "{err}");
    }
}
