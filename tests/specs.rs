//! Every spec under `specs/` is a test: its table and exact JSON are
//! snapshotted, and every leaf's gradient is checked against central finite
//! differences.
//!
//! A spec bound to a large data set (`specs/digits.yaml`: 1,797 x 64) would
//! make a JSON snapshot of megabytes and a finite-difference check of every
//! pixel. There, the snapshot holds the table (which shows long tensors by
//! rows, with their shape) and the JSON is checked against the plan instead
//! (see `JSON_SNAPSHOT_LIMIT`), and each leaf is checked at `FD_ELEMENTS`
//! evenly spaced elements, its first and last included.

mod common;

use bpc::eval;
use bpc::graph::Kind;
use bpc::load;
use bpc::timings::Timings;
use common::{bpc, rel};

#[test]
fn every_spec_snapshot() {
    insta::glob!("../specs", "*.yaml", |path| {
        let spec = rel(path);
        let (status, table, err) = bpc(&["run", &spec]);
        assert_eq!(status, 0, "{spec}: {err}");
        let (status, json, err) = bpc(&["run", &spec, "--format", "json"]);
        assert_eq!(status, 0, "{spec}: {err}");
        if json.len() <= JSON_SNAPSHOT_LIMIT {
            insta::assert_snapshot!(format!("{table}\n{json}"));
        } else {
            let summary = json_summary(path, &json);
            insta::assert_snapshot!(format!("{table}\n{summary}"));
        }
    });
}

/// Specs whose `bpc run --format json` is larger than this are snapshotted
/// by their table and a summary of their JSON.
const JSON_SNAPSHOT_LIMIT: usize = 256 * 1024;

/// Leaves with more elements than this are checked against finite
/// differences at this many evenly spaced elements.
const FD_ELEMENTS: usize = 24;

/// The JSON of a large spec, checked against its plan: every named slot has
/// a value and a gradient of the slot's shape, every number is finite, and
/// the output's value is the one the library computes, to the bit. Returns
/// one line per name (shape and element count) for the snapshot.
fn json_summary(path: &std::path::Path, json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).expect("bpc run --format json parses");
    let plan = load::load(path, &[], true, &mut Timings::default()).expect("spec loads");
    let base = eval::evaluate(&plan);
    let mut lines = vec![format!(
        "JSON: {} bytes, not snapshotted; checked against the plan",
        json.len()
    )];
    for (slot, info) in plan.named() {
        let count = count_numbers;
        let (value, grad) = (&v["values"][&info.name], &v["grads"][&info.name]);
        assert_eq!(
            count(value),
            base.values[slot].len(),
            "{}: values.{}",
            rel(path),
            info.name
        );
        assert_eq!(
            count(grad),
            base.grads[slot].len(),
            "{}: grads.{}",
            rel(path),
            info.name
        );
        lines.push(format!(
            "{}: shape {:?}, {} numbers",
            info.name,
            info.shape,
            count(value)
        ));
    }
    let out = &plan.info(plan.output).name;
    let printed = v["values"][out].as_f64().expect("a scalar output");
    let computed = base.values[plan.output].to_vec()[0];
    assert_eq!(
        printed.to_bits(),
        computed.to_bits(),
        "{}: output {out}",
        rel(path)
    );
    lines.join("\n")
}

/// How many numbers a JSON value holds; every one must be a finite number.
fn count_numbers(x: &serde_json::Value) -> usize {
    match x {
        serde_json::Value::Array(items) => items.iter().map(count_numbers).sum(),
        serde_json::Value::Number(n) => {
            assert!(n.as_f64().is_some_and(f64::is_finite), "{n}");
            1
        }
        other => panic!("expected a number or a list of numbers, found {other}"),
    }
}

/// The elements of a leaf of `len` elements that finite differences check:
/// all of them, or `FD_ELEMENTS` evenly spaced ones, the first and last
/// included.
fn checked_elements(len: usize) -> Vec<usize> {
    if len <= FD_ELEMENTS {
        return (0..len).collect();
    }
    (0..FD_ELEMENTS)
        .map(|i| i * (len - 1) / (FD_ELEMENTS - 1))
        .collect()
}

/// Central differences of the output with respect to every element of every
/// leaf, against the reverse walk's gradients.
#[test]
fn every_spec_matches_finite_differences() {
    insta::glob!("../specs", "*.yaml", |path| {
        let plan = load::load(path, &[], true, &mut Timings::default()).expect("spec loads");
        let base = eval::evaluate(&plan);
        let out = plan.output.index();
        let total = |values: &[bpc::tensor::Value]| values[out].iter().sum::<f64>();
        // Class-index targets of cross_entropy are not differentiable (bpc
        // defines their gradient as 0); finite differences leave the integers.
        let class_indices: Vec<_> = plan
            .steps
            .iter()
            .filter(|s| matches!(s.op, bpc::op::Op::CrossEntropy))
            .filter(|s| plan.info(s.args[0]).shape != plan.info(s.args[1]).shape)
            .map(|s| s.args[1])
            .collect();
        for (slot, info) in plan
            .named()
            .filter(|(_, i)| matches!(i.kind, Kind::Input | Kind::Param))
        {
            if class_indices.contains(&slot) {
                continue;
            }
            for k in checked_elements(base.values[slot].len()) {
                let x = base.values[slot].to_vec()[k];
                let eps = 1e-6 * x.abs().max(1.0);
                let at = |dx: f64| {
                    let mut values = eval::initial_values(&plan);
                    let mut arr = values[slot].to_array();
                    if let Some(e) = arr.iter_mut().nth(k) {
                        *e += dx;
                    }
                    values[slot] = bpc::tensor::Value::from_array(arr);
                    eval::forward(&plan, &mut values);
                    total(&values)
                };
                let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
                let analytic = base.grads[slot].to_vec()[k];
                let tol = 1e-6 * analytic.abs().max(numeric.abs()) + 1e-7;
                assert!(
                    (numeric - analytic).abs() <= tol,
                    "{}: d/d {}[{k}]: backward {analytic} vs finite differences {numeric}",
                    rel(path),
                    info.name
                );
            }
        }
    });
}

/// Evaluating again on the same buffers (as training does, with in-place
/// kernels) gives exactly what a fresh evaluation gives.
#[test]
fn every_spec_evaluates_the_same_on_reused_buffers() {
    insta::glob!("../specs", "*.yaml", |path| {
        let plan = load::load(path, &[], true, &mut Timings::default()).expect("spec loads");
        let fresh = eval::evaluate(&plan);
        let mut values = eval::initial_values(&plan);
        let mut grads = bpc::slots::Grads::default();
        for _ in 0..3 {
            eval::forward(&plan, &mut values);
            eval::backward(&plan, &mut values, &mut grads);
        }
        assert_eq!(values, fresh.values, "{}: values", rel(path));
        for (slot, info) in plan.named() {
            let (a, b) = (&grads[slot], &fresh.grads[slot]);
            for (x, y) in a.iter().zip(b.iter()) {
                // A fused multiply-add may round once where two steps round twice.
                assert!(
                    (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                    "{}: d/d {}: {x} vs {y}",
                    rel(path),
                    info.name
                );
            }
        }
    });
}

/// The lesson's fruit graph in the lesson's own words (names of any script):
/// 結帳金額 = 單價 x 數量 x 稅金 = 100 x 2 x 1.1 = 220, and d 結帳金額 / d 數量 =
/// 單價 x 稅金 = 110; `--set 數量=3` adds 110, as the gradient predicts.
#[test]
fn fruit_in_the_lessons_words() {
    let (status, json, err) = bpc(&["run", "specs/fruit_zh.yaml", "--format", "json"]);
    assert_eq!(status, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let close = |x: &serde_json::Value, want: f64| (x.as_f64().unwrap() - want).abs() < 1e-9;
    assert!(close(&v["values"]["結帳金額"], 220.0), "{json}");
    assert!(close(&v["grads"]["數量"], 110.0), "{json}");
    let (status, table, err) = bpc(&["run", "specs/fruit_zh.yaml", "--set", "數量=3"]);
    assert_eq!(status, 0, "{err}");
    assert!(table.contains("output `結帳金額` = 330"), "{table}");
}

/// Names of any script go everywhere a name goes: params, inputs, nodes (a
/// call string and a mapping's `args`), `output`, `expect`, `train.loss` and
/// the CSV columns of `data`.
#[test]
fn unicode_names_everywhere() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("unicode-names");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("d.csv"), "特徵,標籤\n1,2\n2,4\n3,6\n").unwrap();
    let spec = dir.join("spec.yaml");
    std::fs::write(
        &spec,
        "params:\n  權重: [[0.5]]\ninputs:\n  輸入: [[1]]\n  目標: [[2]]\nnodes:\n  \
         預測: { op: matmul, args: [輸入, 權重] }\n  損失: mse(預測, 目標)\noutput: 損失\n\
         expect:\n  values: { 損失: 10.5 }\n  grads: { 權重: [[-14]] }\n\
         train: { loss: 損失, epochs: 50, lr: 0.05 }\n\
         data: { csv: d.csv, columns: { 輸入: [特徵], 目標: [標籤] } }\n",
    )
    .unwrap();
    let spec = spec.to_str().unwrap();
    // With the data bound: mse([0.5, 1, 1.5], [2, 4, 6]) = (1.5² + 3² + 4.5²) / 3 = 10.5,
    // d/d 權重 = 2/3 (0.5 - 2) 1 + 2/3 (1 - 4) 2 + 2/3 (1.5 - 6) 3 = -14.
    let (status, out, err) = bpc(&["check", spec]);
    assert_eq!(status, 0, "{out}{err}");
    let trained = dir.join("trained.yaml");
    let (status, out, err) = bpc(&["train", spec, "-o", trained.to_str().unwrap()]);
    assert_eq!(status, 0, "{out}{err}");
    let text = std::fs::read_to_string(&trained).unwrap();
    assert!(text.contains("  權重: [[1.99"), "{text}");
}

/// YAML 1.2's core schema: `y`, `n`, `yes`, `no`, `on` and `off` are the
/// names they look like wherever a name goes (CSV columns, `output`,
/// `train.loss`, a mapping node's `args`), not booleans.
#[test]
fn yaml_words_are_names() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("yaml-words");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("d.csv"), "x,y\n0,1\n1,0\n").unwrap();
    let spec = dir.join("spec.yaml");
    std::fs::write(
        &spec,
        "inputs:\n  x: [0]\n  y: [0]\n  on: 2\nparams:\n  w: 0.5\nnodes:\n  p: mul(x, w)\n  \
         n: { op: mse, args: [p, y] }\n  off: mul(n, on)\noutput: off\ntrain: { loss: n, epochs: 1 }\n\
         data: { csv: d.csv, columns: { x: x, y: y } }\n",
    )
    .unwrap();
    let spec = spec.to_str().unwrap();
    let (status, out, err) = bpc(&["run", spec]);
    assert_eq!(status, 0, "{out}{err}");
    // With the CSV bound: p = [0, 0.5], n = ((0 - 1)² + (0.5 - 0)²) / 2 = 0.625, off = 2n.
    assert!(out.contains("output `off` = 1.25"), "{out}");
    let (status, out, err) = bpc(&["train", spec]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(out.contains("loss `n`"), "{out}");
}
