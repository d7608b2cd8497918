//! `bpc export --to numpy`: the script runs, and prints what `bpc run
//! --format json` prints: the same keys in the same order, written the same
//! way, and every number within 1e-12 of bpc's (relative to the number, or to
//! the largest number of its section where a sum cancels to nearly zero).
//! Checked on every spec and exercise, a spec using every op, and random
//! specs from the property tests' generator. The PyTorch and JAX scripts
//! are checked by hand (`bench/export_check.py`).

mod common;

use std::path::PathBuf;

use common::random_spec::{Ops, draw, leaf, spec_text};
use common::{bpc, python, root};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// Relative agreement required of every number.
const RTOL: f64 = 1e-12;

/// `bpc export SPEC --to TARGET`.
fn export(spec: &str, target: &str) -> String {
    let (status, out, err) = bpc(&["export", spec, "--to", target]);
    assert_eq!(status, 0, "{spec}: {err}");
    out
}

/// `bpc run SPEC --format json`.
fn run_json(spec: &str) -> String {
    let (status, out, err) = bpc(&["run", spec, "--format", "json"]);
    assert_eq!(status, 0, "{spec}: {err}");
    out
}

/// Runs each script in one Python process (each as `__main__`, its own
/// globals) and returns what each printed.
fn run_scripts(python: &str, scripts: &[String]) -> Vec<String> {
    const DRIVER: &str = r#"
import contextlib, io, json, sys
outputs = []
for script in json.load(sys.stdin):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(script, "<bpc export>", "exec"), {"__name__": "__main__"})
    outputs.append(buffer.getvalue())
json.dump(outputs, sys.stdout)
"#;
    let input = serde_json::to_string(scripts).unwrap();
    let out = python::run(python, DRIVER, &input);
    serde_json::from_str(&out).expect("a list of outputs")
}

/// The JSON text with every number (and "NaN", "inf", "-inf") replaced by
/// `#`, and the numbers of `values` and of `grads`, in order.
fn skeleton(text: &str) -> (String, [Vec<f64>; 2]) {
    let (out, numbers, _) = scan(text);
    (out, numbers)
}

/// [`skeleton`], and every number's text as written.
fn scan(text: &str) -> (String, [Vec<f64>; 2], Vec<String>) {
    let mut out = String::new();
    let mut numbers = [Vec::new(), Vec::new()];
    let mut written = Vec::new();
    let mut section = 0;
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let mut j = i + 1;
            while chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let s: String = chars[i + 1..j].iter().collect();
            let is_key = chars[j + 1..].iter().find(|c| **c != ' ') == Some(&':');
            let special = match s.as_str() {
                "NaN" => Some(f64::NAN),
                "inf" => Some(f64::INFINITY),
                "-inf" => Some(f64::NEG_INFINITY),
                _ => None,
            };
            match special {
                Some(x) if !is_key => {
                    numbers[section].push(x);
                    written.push(s.clone());
                    out.push('#');
                }
                _ => {
                    if is_key && s == "grads" {
                        section = 1;
                    }
                    out.extend(&chars[i..=j]);
                }
            }
            i = j + 1;
        } else if c == '-' || c.is_ascii_digit() {
            let mut j = i;
            while j < chars.len() && "+-.eE0123456789".contains(chars[j]) {
                j += 1;
            }
            let s: String = chars[i..j].iter().collect();
            numbers[section].push(s.parse().unwrap_or_else(|_| panic!("number {s}")));
            written.push(s);
            out.push('#');
            i = j;
        } else {
            out.push(c);
            i += 1;
        }
    }
    (out, numbers, written)
}

/// Asserts that the script printed what bpc prints, to `RTOL`.
fn assert_agrees(what: &str, script: &str, bpc_json: &str) {
    let (got, got_numbers) = skeleton(script);
    let (want, want_numbers) = skeleton(bpc_json);
    assert_eq!(got, want, "{what}: the JSON differs beyond its numbers");
    for (section, (g, w)) in got_numbers.iter().zip(&want_numbers).enumerate() {
        let scale = w
            .iter()
            .filter(|x| x.is_finite())
            .fold(0.0f64, |m, x| m.max(x.abs()));
        for (k, (&a, &b)) in g.iter().zip(w).enumerate() {
            let same = a == b || (a.is_nan() && b.is_nan());
            let close = (a - b).abs() <= RTOL * a.abs().max(b.abs()) + RTOL * scale;
            assert!(
                same || close,
                "{what}: {} number {k}: script {a:?}, bpc {b:?}",
                ["values", "grads"][section]
            );
        }
    }
}

/// Every spec and exercise, by path relative to the crate root.
fn shipped_specs() -> Vec<String> {
    let mut specs = Vec::new();
    for dir in ["specs", "exercises"] {
        let mut files: Vec<_> = std::fs::read_dir(root(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        specs.extend(files.iter().map(|p| common::rel(p)));
    }
    specs
}

#[test]
fn fruit_prints_exactly_what_bpc_run_prints() {
    let Some(python) = python::with(&["numpy"]) else {
        return;
    };
    let out = run_scripts(&python, &[export("specs/fruit.yaml", "numpy")]);
    // 220 and the gradients 110, 2.2, 200, 1.1, written as bpc writes them.
    assert_eq!(out[0], run_json("specs/fruit.yaml"));
    assert!(
        out[0].contains("\"total_price\": 220.00000000000003"),
        "{}",
        out[0]
    );
}

#[test]
fn numbers_are_written_as_bpc_writes_them() {
    // Exponents (1e-7, 1e16), the extremes of f64, a subnormal, and values
    // that become inf, -inf and NaN.
    let spec = temp_spec(
        "export-numbers",
        "inputs:\n  x: [1e-7, 1e16, 1.5e300, 5e-324, 0.1, 123456789.123, 0.0001, 9999999999999998.0]\n  \
         big: 1000\n  m: -1\nnodes:\n  y: neg(x)\n  e: exp(big)\n  n: neg(e)\n  l: log(m)\n  \
         s: sum(y)\noutput: s\n",
    );
    let spec = spec.display().to_string();
    let Some(python) = python::with(&["numpy"]) else {
        return;
    };
    let got = run_scripts(&python, &[export(&spec, "numpy")]).remove(0);
    let (status, want, _) = bpc(&["run", &spec, "--format", "json", "--allow-nonfinite"]);
    assert_eq!(status, 0);
    let (got_skeleton, _, got_numbers) = scan(&got);
    let (want_skeleton, _, want_numbers) = scan(&want);
    assert_eq!(got_skeleton, want_skeleton);
    assert!(want.contains("\"inf\"") && want.contains("\"-inf\"") && want.contains("\"NaN\""));
    for (g, w) in got_numbers.iter().zip(&want_numbers) {
        // The same text; only a zero's sign may differ (bpc adds each
        // gradient into a zero, 0.0 + -0.0 = 0.0; the script assigns it).
        let zero = |t: &str| t.parse::<f64>().is_ok_and(|x| x == 0.0);
        assert!(
            g == w || (zero(g) && zero(w)),
            "script {g}, bpc {w}\n{got}\n{want}"
        );
    }
}

#[test]
fn every_spec_and_exercise_agrees_with_bpc_run() {
    let Some(python) = python::with(&["numpy"]) else {
        return;
    };
    let specs = shipped_specs();
    let scripts: Vec<String> = specs.iter().map(|s| export(s, "numpy")).collect();
    for (spec, out) in specs.iter().zip(run_scripts(&python, &scripts)) {
        assert_agrees(spec, &out, &run_json(spec));
    }
}

#[test]
fn every_op_agrees_with_bpc_run() {
    let Some(python) = python::with(&["numpy"]) else {
        return;
    };
    let spec = root("tests/export/every_op.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    for def in bpc::op::OPS {
        assert!(
            text.contains(&format!(" {}(", def.name)),
            "tests/export/every_op.yaml does not use `{}`",
            def.name
        );
    }
    let out = run_scripts(&python, &[export(&spec, "numpy")]);
    assert_agrees("every_op.yaml", &out[0], &run_json(&spec));
}

#[test]
fn pytorch_and_jax_scripts_of_every_op_are_python() {
    // Their numbers are checked by hand (bench/export_check.py, which needs
    // torch and jax); here: every op writes valid Python that defines every
    // helper it calls.
    let Some(python) = python::with(&["ast"]) else {
        return;
    };
    const PARSE: &str = r#"
import ast, builtins, json, sys
for script in json.load(sys.stdin):
    tree = ast.parse(script)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assigned = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign)
                for target in n.targets for t in ast.walk(target) if isinstance(t, ast.Name)}
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            name = n.func.id
            assert name in defined or name in assigned or hasattr(builtins, name), name
print("ok")
"#;
    let spec = root("tests/export/every_op.yaml");
    let scripts = [export(&spec, "pytorch"), export(&spec, "jax")];
    for script in &scripts {
        for helper in ["def clip(", "def first_max(", "def first_min("] {
            assert!(script.contains(helper), "{helper}");
        }
    }
    let input = serde_json::to_string(&scripts).unwrap();
    assert_eq!(python::run(&python, PARSE, &input), "ok\n");
}

#[test]
fn random_specs_agree_with_bpc_run() {
    let Some(python) = python::with(&["numpy"]) else {
        return;
    };
    let cases: usize = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    let strategy = (
        proptest::collection::vec(leaf(), 1..4),
        proptest::collection::vec(draw(), 1..9),
    );
    let mut runner = TestRunner::deterministic();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("export-random");
    std::fs::create_dir_all(&dir).unwrap();
    let mut specs = Vec::new();
    for k in 0..cases {
        let (leaves, draws) = strategy.new_tree(&mut runner).unwrap().current();
        let path = dir.join(format!("random_{k}.yaml"));
        std::fs::write(&path, spec_text(&leaves, &draws, Ops::All)).unwrap();
        specs.push(path.display().to_string());
    }
    let scripts: Vec<String> = specs.iter().map(|s| export(s, "numpy")).collect();
    for (spec, out) in specs.iter().zip(run_scripts(&python, &scripts)) {
        let text = std::fs::read_to_string(spec).unwrap();
        assert_agrees(&format!("{spec}\n{text}"), &out, &run_json(spec));
    }
}

/// A spec file in a fresh temporary folder.
fn temp_spec(dir: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spec.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn names_python_cannot_use_are_changed_and_stated() {
    // Keywords, a builtin, the script's own `np`, and `d_x` beside `x`
    // (whose gradient the script would call `d_x`).
    let spec = temp_spec(
        "export-names",
        "inputs:\n  lambda: 2\n  in: 3\n  sum: 0.5\n  np: 1.5\n  x: 1\n  d_x: 4\n\
         nodes:\n  def: mul(lambda, in)\n  y: add(def, sum)\n  z: mul(np, x)\n  \
         w: add(z, d_x)\n  out: add(y, w)\noutput: out\n",
    );
    let spec = spec.display().to_string();
    let script = export(&spec, "numpy");
    for (from, to) in [
        ("lambda", "lambda_"),
        ("in", "in_"),
        ("def", "def_"),
        ("sum", "sum_"),
        ("np", "np_"),
    ] {
        assert!(
            script.contains(&format!("#   {from} -> {to}\n")),
            "{from}:\n{script}"
        );
        assert!(script.contains(&format!("\n{to} = ")), "{to}:\n{script}");
    }
    // `x` and `d_x` keep their names; the gradient of `x` takes another.
    assert!(script.contains("\nx = np.array(1.0)\n") && script.contains("\nd_x = np.array(4.0)\n"));
    let Some(python) = python::with(&["numpy"]) else {
        return;
    };
    let out = run_scripts(&python, &[script]);
    // The JSON keeps the spec's own names.
    assert_agrees("names", &out[0], &run_json(&spec));
}

#[test]
fn dash_o_writes_the_script_and_never_the_spec() {
    let fruit = std::fs::read_to_string(root("specs/fruit.yaml")).unwrap();
    let spec = temp_spec("export-o", &fruit);
    let script = spec.with_file_name("fruit.py");
    let (spec, script) = (spec.display().to_string(), script.display().to_string());
    let (status, out, err) = bpc(&["export", &spec, "--to", "numpy", "-o", &script]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(out, format!("wrote {script}\n"));
    assert_eq!(
        std::fs::read_to_string(&script).unwrap(),
        export(&spec, "numpy")
    );
    // -o naming the spec (however it is spelt) is refused, the spec untouched.
    let other_spelling = spec.replace("spec.yaml", "./spec.yaml");
    for target in [spec.as_str(), other_spelling.as_str()] {
        let (status, _, err) = bpc(&["export", &spec, "-o", target]);
        assert_eq!(status, 2);
        assert!(err.contains("does not overwrite its inputs"), "{err}");
    }
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), fruit);
}

#[test]
fn set_values_are_exported_as_given() {
    let script = {
        let (status, out, err) = bpc(&["export", "specs/fruit.yaml", "--set", "n_X=3"]);
        assert_eq!(status, 0, "{err}");
        out
    };
    assert!(
        script.contains("n_X = np.array(3.0)  # as --set gave it"),
        "{script}"
    );
    let Some(python) = python::with(&["numpy"]) else {
        return;
    };
    let (status, want, err) = bpc(&[
        "run",
        "specs/fruit.yaml",
        "--set",
        "n_X=3",
        "--format",
        "json",
    ]);
    assert_eq!(status, 0, "{err}");
    assert_eq!(run_scripts(&python, &[script])[0], want);
}
