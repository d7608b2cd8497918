//! `bpc dot`: the DOT of every spec (snapshots), escaping, `--no-grad`,
//! `--precision`, output files, and Graphviz on every spec when it is installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{bpc, rel, root};

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("dot")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Graphviz's `dot`, if installed.
fn graphviz() -> Option<PathBuf> {
    let out = Command::new("which").arg("dot").output().ok()?;
    let path = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !path.trim().is_empty()).then(|| PathBuf::from(path.trim()))
}

/// Runs `dot -Tsvg` on `text`; returns (success, stderr).
fn render_svg(dot: &Path, text: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = Command::new(dot)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_spec_as_dot() {
    insta::glob!("../specs", "*.yaml", |path| {
        let (status, out, err) = bpc(&["dot", path.to_str().unwrap()]);
        assert_eq!(status, 0, "{}: {err}", rel(path));
        assert!(err.is_empty(), "{}: {err}", rel(path));
        insta::assert_snapshot!(out);
    });
}

#[test]
fn every_spec_renders_with_graphviz_without_warnings() {
    let Some(dot) = graphviz() else {
        eprintln!("note: Graphviz `dot` is not installed; skipping (CI installs it)");
        return;
    };
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    specs.sort();
    assert!(!specs.is_empty());
    for spec in &specs {
        for extra in [&[][..], &["--no-grad"][..]] {
            let mut args = vec!["dot", spec.to_str().unwrap()];
            args.extend(extra);
            let (status, out, err) = bpc(&args);
            assert_eq!(status, 0, "{}: {err}", rel(spec));
            let (ok, warnings) = render_svg(&dot, &out);
            assert!(
                ok && warnings.is_empty(),
                "{} {extra:?}: Graphviz said:\n{warnings}",
                rel(spec)
            );
        }
    }
}

#[test]
fn fruit_shows_the_lessons_numbers() {
    let (status, out, _) = bpc(&["dot", &root("specs/fruit.yaml")]);
    assert_eq!(status, 0);
    // Forward: 100 x 2 = 200, 200 x 1.1 = 220 (220.00000000000003 in f64, shown
    // with 6 significant digits). Backward: d b_TAX = 200, d fruit_price = 1.1,
    // d price_Y = 1.1 x 2 = 2.2, d n_X = 1.1 x 100 = 110.
    for cell in [
        "<TD>200</TD>",
        "<TD>220</TD>",
        "∂ 200<",
        "∂ 1.1<",
        "∂ 2.2<",
        "∂ 110<",
    ] {
        assert!(out.contains(cell), "missing {cell} in\n{out}");
    }
    // Arguments in order: mul(price_Y, n_X) draws price_Y's edge first.
    let first = out.find("\"price_Y\" -> \"fruit_price\"").unwrap();
    let second = out.find("\"n_X\" -> \"fruit_price\"").unwrap();
    assert!(first < second);
    // The output is highlighted; nothing else is.
    assert_eq!(out.matches("peripheries=2").count(), 1);
    assert!(out.contains("\"total_price\" [shape=ellipse, style=\"filled\", fillcolor=\"#f3f4f6\", color=\"#15803d\", peripheries=2"));
}

#[test]
fn no_grad_removes_gradients() {
    let (_, with, _) = bpc(&["dot", &root("specs/fruit.yaml")]);
    let (status, without, err) = bpc(&["dot", &root("specs/fruit.yaml"), "--no-grad"]);
    assert_eq!(status, 0, "{err}");
    assert!(with.contains('∂'));
    assert!(!without.contains('∂'), "{without}");
    assert!(
        !without.contains("110"),
        "the gradient of n_X (110) is shown:\n{without}"
    );
    // Forward values stay: 220 at the output.
    assert!(without.contains("<TD>220</TD>"));
}

#[test]
fn precision_sets_significant_digits() {
    // 200 x 1.1 is 220.00000000000003 in f64; 100 x 1.1 is 110.00000000000001.
    let (status, out, _) = bpc(&["dot", &root("specs/fruit.yaml"), "--precision", "17"]);
    assert_eq!(status, 0);
    assert!(out.contains("<TD>220.00000000000003</TD>"), "{out}");
    assert!(out.contains("∂ 110.00000000000001<"), "{out}");
    let (status, _, err) = bpc(&["dot", &root("specs/fruit.yaml"), "--precision", "0"]);
    assert_eq!(status, 2, "{err}");
}

#[test]
fn set_changes_the_picture() {
    // n_X = 3: 100 x 3 x 1.1 = 330.
    let (status, out, _) = bpc(&["dot", &root("specs/fruit.yaml"), "--set", "n_X=3"]);
    assert_eq!(status, 0);
    assert!(out.contains("<TD>330</TD>"), "{out}");
}

#[test]
fn names_and_texts_that_need_escaping_give_valid_dot() {
    let dir = scratch("escaping");
    let spec = dir.join("weird.yaml");
    // DOT keywords as names, a spec name with a quote and a backslash, a
    // description full of markup, and a negative literal.
    std::fs::write(
        &spec,
        r#"name: 'we"ird\'
description: "a <b>bold</b> & \"quoted\" \\ spec\nsecond line {braces} ]; digraph"
inputs:
  node: 2
  edge: [1, 2]
params:
  graph: 3
nodes:
  strict: mul(node, graph)
  subgraph: add(strict, edge)
  digraph: sum(subgraph)
  out_: mul(digraph, -0.5)
output: out_
"#,
    )
    .unwrap();
    let (status, out, err) = bpc(&["dot", spec.to_str().unwrap()]);
    assert_eq!(status, 0, "{err}");
    assert!(out.starts_with("digraph \"we\\\"ird\\\\\" {\n"), "{out}");
    assert!(out.contains(
        "label=<<B>a &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; \\ spec<BR/>second line {braces} ]; digraph</B>"
    ));
    assert!(
        out.contains("\"node\" -> \"strict\";\n  \"graph\" -> \"strict\";"),
        "{out}"
    );
    // The literal -0.5 is a small plain node with an id no name can spell.
    assert!(
        out.contains("[shape=plaintext, fontsize=10, fontcolor=\"#6b7280\", label=\"-0.5\"]"),
        "{out}"
    );
    assert!(!out.contains("<b>"));
    if let Some(dot) = graphviz() {
        let (ok, warnings) = render_svg(&dot, &out);
        assert!(ok && warnings.is_empty(), "Graphviz said:\n{warnings}");
    }
}

#[test]
fn output_file_gets_the_same_dot_and_nothing_else() {
    let dir = scratch("to_file");
    let file = dir.join("fruit.dot");
    let (_, stdout_dot, _) = bpc(&["dot", &root("specs/fruit.yaml")]);
    let (status, out, err) = bpc(&[
        "dot",
        &root("specs/fruit.yaml"),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(status, 0, "{err}");
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout_dot);
    // No temporary file left behind.
    assert_eq!(listing(&dir), ["fruit.dot"]);
    // Same spec, same bytes.
    let (_, again, _) = bpc(&["dot", &root("specs/fruit.yaml")]);
    assert_eq!(again, stdout_dot);
}

#[test]
fn unwritable_output_is_an_error_not_a_panic() {
    let dir = scratch("unwritable");
    let file = dir.join("no_such_dir").join("fruit.dot");
    let (status, _, err) = bpc(&[
        "dot",
        &root("specs/fruit.yaml"),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(status, 2);
    assert!(
        err.contains("cannot write") && err.contains("fruit.dot"),
        "{err}"
    );
}

#[test]
fn missing_graphviz_says_how_to_install_and_keeps_the_dot() {
    let dir = scratch("missing_graphviz");
    let svg = dir.join("fruit.svg");
    let (status, out, err) = bpc(&[
        "dot",
        &root("specs/fruit.yaml"),
        "-o",
        svg.to_str().unwrap(),
        "--graphviz",
        "bpc-test-no-such-graphviz",
    ]);
    assert_eq!(status, 2);
    assert_eq!(out, "");
    // Undo the diagnostic's line wrapping.
    let err = err
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        err.contains("`bpc-test-no-such-graphviz` is not installed"),
        "{err}"
    );
    assert!(
        err.contains("apt-get install graphviz") && err.contains("brew install graphviz"),
        "{err}"
    );
    assert!(err.contains("fruit.dot"), "{err}");
    assert_eq!(listing(&dir), ["fruit.dot"]);
    let (_, stdout_dot, _) = bpc(&["dot", &root("specs/fruit.yaml")]);
    assert_eq!(
        std::fs::read_to_string(dir.join("fruit.dot")).unwrap(),
        stdout_dot
    );
}

#[test]
fn svg_png_and_pdf_are_drawn_by_graphviz() {
    if graphviz().is_none() {
        eprintln!("note: Graphviz `dot` is not installed; skipping (CI installs it)");
        return;
    }
    let dir = scratch("drawn");
    for (name, magic) in [
        ("fruit.svg", &b"<?xml"[..]),
        ("fruit.png", &b"\x89PNG"[..]),
        ("fruit.pdf", &b"%PDF"[..]),
    ] {
        let path = dir.join(name);
        let (status, out, err) = bpc(&[
            "dot",
            &root("specs/fruit.yaml"),
            "-o",
            path.to_str().unwrap(),
        ]);
        assert_eq!((status, out.as_str(), err.as_str()), (0, "", ""));
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            bytes.starts_with(magic),
            "{name} starts with {:?}",
            &bytes[..8.min(bytes.len())]
        );
    }
    let svg = std::fs::read_to_string(dir.join("fruit.svg")).unwrap();
    for text in [">220<", ">200<", "∂ 110<", "∂ 2.2<", "∂ 1.1<"] {
        assert!(svg.contains(text), "{text} not in the SVG");
    }
    assert_eq!(listing(&dir), ["fruit.pdf", "fruit.png", "fruit.svg"]);
}
