//! The trained spec: the user's text with exactly each param's value replaced
//! by a flow-style literal of its trained numbers ([`crate::edit`]), so
//! comments and layout survive. Numbers are printed with
//! [`crate::render::exact`] and read back exactly.

use std::path::Path;

use crate::edit::{Edits, flow_literal, moved_reference, yaml_string};
use crate::spec::Spec;
use crate::tensor::Value;

/// `text` with the value of every param in `trained` (name, value) replaced.
/// Params not listed keep their text. `csv`, if given, replaces the path of
/// `data.csv` (the trained spec may live in another folder).
pub fn trained_text(spec: &Spec, trained: &[(String, Value)], csv: Option<&str>) -> String {
    let text: &str = &spec.source.text;
    let mut edits = Edits::default();
    if let (Some(path), Some(old)) = (csv, spec.data.as_ref().and_then(|d| d.value.csv.as_ref())) {
        edits.replace(old.span, yaml_string(path));
    }
    for e in &spec.params {
        if let Some((_, v)) = trained.iter().find(|(n, _)| *n == e.name.value) {
            edits.replace_value(text, e.name.span, e.def.span, &flow_literal(v));
        }
    }
    edits.apply(text)
}

/// The CSV path to write into a trained spec at `out` when it lives in
/// another folder than the spec at `input` (`None`: keep the text).
pub fn moved_csv(spec: &Spec, input: &Path, out: &Path) -> Option<String> {
    let csv = &spec.data.as_ref()?.value.csv.as_ref()?.value;
    moved_reference(input, out, csv)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;

    fn trained(text: &str, values: &[(&str, Value)]) -> String {
        let spec = crate::spec::parse(&Source::new("t.yaml", text)).unwrap();
        let values: Vec<(String, Value)> = values
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        trained_text(&spec, &values, None)
    }

    fn t2(a: f64, b: f64) -> Value {
        Value::from_array(
            crate::tensor::Array::from_shape_vec(ndarray::IxDyn(&[2]), vec![a, b]).unwrap(),
        )
    }

    #[test]
    fn every_kind_of_value_is_replaced_and_comments_stay() {
        let text = "params:\n  a: [1, 2]   # flow\n  b:\n    - 1\n    - 2  # last\n  # between\n  c: { shape: [2], init: normal, seed: 3 }  # init\n  d:\n    shape: [2]\n    init: ones\n  # after d\n  e: 5 # scalar\n  f:\n  - 1\n  - 2\n  g:\n    3   # next line\nnodes:\n  y: add(a, b)\noutput: y\n";
        let all = ["a", "b", "c", "d", "f"].map(|n| (n, t2(0.5, -0.25)));
        let mut all = all.to_vec();
        all.push(("e", Value::Scalar(1e-7)));
        all.push(("g", Value::Scalar(1e-7)));
        let out = trained(text, &all);
        assert_eq!(
            out,
            "params:\n  a: [0.5, -0.25]   # flow\n  b:\n    [0.5, -0.25]  # last\n  # between\n  c: [0.5, -0.25]  # init\n  d:\n    [0.5, -0.25]\n  # after d\n  e: 1e-7 # scalar\n  f:\n    [0.5, -0.25]\n  g:\n    1e-7   # next line\nnodes:\n  y: add(a, b)\noutput: y\n"
        );
        // And it reads back as the same numbers.
        let spec = crate::spec::parse(&Source::new("t.yaml", out)).unwrap();
        for p in &spec.params {
            let v = crate::graph::value_of(&spec.source, &p.def).unwrap();
            let want = if ["e", "g"].contains(&p.name.value.as_str()) {
                vec![1e-7]
            } else {
                vec![0.5, -0.25]
            };
            assert_eq!(v.to_vec(), want, "{}", p.name.value);
        }
    }

    #[test]
    fn csv_paths_follow_the_trained_file() {
        let text = "data:\n  csv: iris.csv   # rows\n  columns: { x: [a], y: b }\nnodes:\n  y2: sum(x)\noutput: y2\n";
        let spec = crate::spec::parse(&Source::new("t.yaml", text)).unwrap();
        let out = trained_text(&spec, &[], Some("../specs/iris.csv"));
        assert!(
            out.starts_with("data:\n  csv: ../specs/iris.csv   # rows\n"),
            "{out}"
        );
        let out = trained_text(&spec, &[], Some("my data/iris.csv"));
        assert!(
            out.starts_with("data:\n  csv: \"my data/iris.csv\"   # rows\n"),
            "{out}"
        );
        assert_eq!(
            crate::edit::relative_path(Path::new("/a/b"), Path::new("/a/c/d.csv")),
            Path::new("../c/d.csv")
        );
        assert_eq!(
            crate::edit::relative_path(Path::new("/a/b"), Path::new("/a/b/d.csv")),
            Path::new("d.csv")
        );
    }

    #[test]
    fn multi_line_flow_lists_are_replaced_whole() {
        let text =
            "params:\n  w: [[1, 2],   # row 1\n      [3, 4]]\nnodes:\n  y: sum(w)\noutput: y\n";
        let v = Value::from_array(
            crate::tensor::Array::from_shape_vec(ndarray::IxDyn(&[2, 2]), vec![0.1, 0.2, 0.3, 0.4])
                .unwrap(),
        );
        let out = trained(text, &[("w", v)]);
        assert_eq!(
            out,
            "params:\n  w: [[0.1, 0.2], [0.3, 0.4]]\nnodes:\n  y: sum(w)\noutput: y\n"
        );
    }
}
