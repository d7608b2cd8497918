//! Every fixture under `tests/errors/` is a spec with one kind of mistake.
//! Each runs through `bpc run` in-process (colour off); its stderr is
//! snapshotted, and the exit status, the `file:line:col` and the time are
//! checked. `NAME.args` next to a fixture holds extra arguments, one a line.
//!
//! `nonfinite_*` fixtures are valid specs whose numbers go bad: they fail a
//! check (exit 1) instead of being invalid (exit 2).

mod common;
use common::bpc;

use std::path::Path;
use std::time::{Duration, Instant};

/// Fixtures whose error has no place in the spec file to point at.
const NO_LOCATION: &[&str] = &[];

/// The fixture's path relative to the crate (what the messages show).
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Extra arguments from `NAME.args`, one a line.
fn extra_args(path: &Path) -> Vec<String> {
    let args = path.with_extension("args");
    match std::fs::read_to_string(args) {
        Ok(text) => text
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// True when a snippet header `╭─[NAME:LINE:COL]` names a source starting with `name`.
fn has_location(text: &str, name: &str) -> bool {
    text.split("╭─[").skip(1).any(|rest| {
        let Some(header) = rest.split(']').next() else {
            return false;
        };
        let mut parts = header.rsplitn(3, ':');
        let (col, line, source) = (parts.next(), parts.next(), parts.next());
        let number = |p: Option<&str>| {
            p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
        number(col) && number(line) && source.is_some_and(|s| s.starts_with(name))
    })
}

#[test]
fn fixtures() {
    insta::glob!("errors/*.yaml", |path| {
        let name = relative(path);
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let extra = extra_args(path);
        let mut args = vec!["run", name.as_str()];
        args.extend(extra.iter().map(String::as_str));

        let start = Instant::now();
        let (status, stdout, stderr) = bpc(&args);
        let took = start.elapsed();

        let want = if stem.starts_with("nonfinite_") { 1 } else { 2 };
        assert_eq!(status, want, "{name}: exit status\nstderr:\n{stderr}");
        assert!(stdout.is_empty(), "{name}: printed to stdout:\n{stdout}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        // The spec file (or the `--set` argument) is named with line and column.
        let located = has_location(&stderr, &name) || has_location(&stderr, "--set");
        if !NO_LOCATION.contains(&stem.as_str()) {
            assert!(located, "{name}: no file:line:col in\n{stderr}");
        }
        // Generous for debug builds; a release build takes milliseconds.
        assert!(took < Duration::from_secs(1), "{name}: took {took:?}");
        insta::assert_snapshot!(stderr);
    });
}

/// `--allow-nonfinite` prints every value anyway, warns, and succeeds.
#[test]
fn allow_nonfinite_prints_everything() {
    for stem in ["nonfinite_log", "nonfinite_div", "nonfinite_exp"] {
        let path = format!("tests/errors/{stem}.yaml");
        let (status, stdout, stderr) =
            bpc(&["run", &path, "--allow-nonfinite", "--format", "json"]);
        assert_eq!(status, 0, "{stem}: {stderr}");
        assert!(
            stderr.contains("non-finite"),
            "{stem}: no warning in {stderr}"
        );
        let json: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
        assert!(
            json["values"]["y"].is_string() || json["values"]["y"].is_number(),
            "{stem}: {stdout}"
        );
    }
}

/// A file that does not exist is an I/O error, exit 2, with a hint.
#[test]
fn missing_file() {
    let (status, _, stderr) = bpc(&["run", "tests/errors/no_such_file.yaml"]);
    assert_eq!(status, 2);
    assert!(
        stderr.contains("cannot read `tests/errors/no_such_file.yaml`"),
        "{stderr}"
    );
}

/// Exact positions: the diagnostic points at the offending text itself.
mod positions {
    use bpc::diag::{Diagnostic, Source};
    use bpc::graph;
    use bpc::spec;
    use std::sync::Arc;

    /// Every diagnostic from parsing and building `text` (as `t.yaml`).
    fn diagnostics(text: &str) -> Vec<Diagnostic> {
        let source = Source::new("t.yaml", text);
        match spec::parse(&source) {
            Err(d) => vec![d],
            Ok(spec) => match graph::build(Arc::new(spec), &[]) {
                Ok(_) => Vec::new(),
                Err(ds) => ds.0,
            },
        }
    }

    fn locations(text: &str) -> Vec<String> {
        diagnostics(text)
            .iter()
            .map(|d| d.location().unwrap_or_default())
            .collect()
    }

    #[test]
    fn unknown_name_in_a_call_string() {
        let text = "inputs:\n  a: 1\nnodes:\n  y: mul(a, bee)\noutput: y\n";
        // `  y: mul(a, ` is 12 characters, so `bee` starts at column 13 of line 4.
        assert_eq!(locations(text), ["t.yaml:4:13"]);
    }

    #[test]
    fn unknown_name_in_a_quoted_call_string() {
        let text = "inputs:\n  a: 1\nnodes:\n  y: \"mul(a, bee)\"\noutput: y\n";
        // One more column for the opening quote.
        assert_eq!(locations(text), ["t.yaml:4:14"]);
    }

    #[test]
    fn unknown_op_and_attribute() {
        let text =
            "inputs:\n  z: [1, 2]\nnodes:\n  p: softmax(z, axes=0)\n  q: tahn(z)\noutput: q\n";
        // `axes` at 4:17 (after `  p: softmax(z, `); `tahn` at 5:6 (after `  q: `).
        assert_eq!(locations(text), ["t.yaml:4:17", "t.yaml:5:6"]);
    }

    #[test]
    fn mapping_node_argument() {
        let text = "inputs:\n  a: 1\nnodes:\n  y: { op: neg, args: [b] }\noutput: y\n";
        // `  y: { op: neg, args: [` is 23 characters.
        assert_eq!(locations(text), ["t.yaml:4:24"]);
    }

    #[test]
    fn ragged_row() {
        let text = "inputs:\n  w:\n    - [1, 2]\n    - [3]\nnodes:\n  y: sum(w)\noutput: y\n";
        // The second row `[3]` is at line 4, column 7.
        assert_eq!(locations(text), ["t.yaml:4:7"]);
    }

    #[test]
    fn duplicate_points_at_the_second_definition() {
        let text = "inputs:\n  x: 1\nnodes:\n  y: neg(x)\n  x: neg(y)\noutput: y\n";
        let ds = diagnostics(text);
        assert_eq!(ds[0].location().as_deref(), Some("t.yaml:5:3"));
        // The first definition is the related label, at byte 10 (line 2, column 3).
        assert_eq!(ds[0].related[0].0.start, 10);
    }

    #[test]
    fn output_and_unknown_key() {
        let text = "nodez: {}\ninputs:\n  a: 1\nnodes:\n  y: neg(a)\noutput: why\n";
        assert_eq!(locations(text), ["t.yaml:1:1", "t.yaml:6:9"]);
    }

    #[test]
    fn yaml_syntax_error() {
        let text = "inputs:\n  w: [1, 2\nnodes:\n  y: sum(w)\noutput: y\n";
        let ds = diagnostics(text);
        assert_eq!(ds.len(), 1);
        let loc = ds[0].location().unwrap_or_default();
        assert!(loc.starts_with("t.yaml:"), "{loc}");
    }

    #[test]
    fn cycle_starts_at_its_first_node() {
        let text =
            "inputs:\n  x: 1\nnodes:\n  a: add(c, x)\n  b: tanh(a)\n  c: mul(b, 2)\noutput: c\n";
        let ds = diagnostics(text);
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].location().as_deref(), Some("t.yaml:4:3"));
        assert!(
            ds[0].message.contains("a -> b -> c -> a"),
            "{}",
            ds[0].message
        );
    }

    #[test]
    fn shape_mismatch_points_at_the_call() {
        let text = "inputs:\n  a: [1, 2, 3]\n  b: [1, 2]\nnodes:\n  y: add(a, b)\noutput: y\n";
        // The call string `add(a, b)` starts at line 5, column 6.
        assert_eq!(locations(text), ["t.yaml:5:6"]);
    }
}
