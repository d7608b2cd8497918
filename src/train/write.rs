//! The trained spec: the user's text with exactly each param's value replaced
//! by a flow-style literal of its trained numbers ([`crate::edit`]), so
//! comments and layout survive. Numbers are printed with
//! [`crate::render::exact`] and read back exactly.

use std::path::Path;

use crate::diag::Span;
use crate::edit::{Edits, flow_literal, moved_reference, yaml_string};
use crate::spec::{Spec, TestDef};
use crate::tensor::Value;

/// The data paths to write into a trained spec that lives in another
/// folder than the spec it came from (`None`: keep the text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// `data.csv`.
    pub csv: Option<String>,
    /// `data.test`, when it names a file.
    pub test: Option<String>,
}

impl Moved {
    /// The moved paths that leave the trained spec's folder.
    pub fn outside(&self) -> impl Iterator<Item = &str> {
        [&self.csv, &self.test]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|m| m.starts_with("..") || Path::new(m).is_absolute())
    }
}

/// The start of the comment that records the held-out figures.
pub const TEST_NOTE: &str = "# test after training:";

/// `text` with the value of every param in `trained` (name, value) replaced.
/// Params not listed keep their text. `moved` rewrites the data paths (the
/// trained spec may live in another folder); `note` (the held-out figures)
/// goes in a comment at the end of the `test:` line, replacing the note of
/// an earlier run.
pub fn trained_text(
    spec: &Spec,
    trained: &[(String, Value)],
    moved: &Moved,
    note: Option<&str>,
) -> String {
    let text: &str = &spec.source.text;
    let mut edits = Edits::default();
    let data = spec.data.as_ref().map(|d| &d.value);
    if let (Some(path), Some(old)) = (&moved.csv, data.and_then(|d| d.csv.as_ref())) {
        edits.replace(old.span, yaml_string(path));
    }
    let test = data.and_then(|d| d.test.as_ref());
    if let (Some(path), Some(old)) = (&moved.test, test) {
        edits.replace(old.span, yaml_string(path));
    }
    if let (Some(note), Some(test)) = (note, test) {
        let rest = &text[test.span.end..];
        let end = test.span.end + rest.find('\n').unwrap_or(rest.len());
        let end = if text[..end].ends_with('\r') {
            end - 1
        } else {
            end
        };
        let line = &text[test.span.end..end];
        let note = format!("{TEST_NOTE} {note}");
        match line.find(TEST_NOTE) {
            Some(k) => edits.replace(Span::new(test.span.end + k, end), note),
            None => edits.replace(Span::new(end, end), format!("  {note}")),
        }
    }
    for e in &spec.params {
        if let Some((_, v)) = trained.iter().find(|(n, _)| *n == e.name.value) {
            edits.replace_value(text, e.name.span, e.def.span, &flow_literal(v));
        }
    }
    edits.apply(text)
}

/// The data paths to write into a trained spec at `out` when it lives in
/// another folder than the spec at `input`.
pub fn moved_data(spec: &Spec, input: &Path, out: &Path) -> Moved {
    let Some(data) = spec.data.as_ref().map(|d| &d.value) else {
        return Moved::default();
    };
    Moved {
        csv: data
            .csv
            .as_ref()
            .and_then(|c| moved_reference(input, out, &c.value)),
        test: match data.test.as_ref().map(|t| &t.value) {
            Some(TestDef::Csv(file)) => moved_reference(input, out, file),
            _ => None,
        },
    }
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
        trained_text(&spec, &values, &Moved::default(), None)
    }

    fn moved(csv: &str) -> Moved {
        Moved {
            csv: Some(csv.into()),
            test: None,
        }
    }

    #[test]
    fn the_test_figures_go_in_a_comment_that_a_new_run_replaces() {
        let text = "data:\n  x: [[1], [2], [3]]\n  test: 0.25   # a quarter\nnodes:\n  y: sum(x)\noutput: y\n";
        let spec = crate::spec::parse(&Source::new("t.yaml", text)).unwrap();
        let out = trained_text(&spec, &[], &Moved::default(), Some("loss 0.5"));
        let want = "  test: 0.25   # a quarter  # test after training: loss 0.5\n";
        assert!(out.contains(want), "{out}");
        let spec = crate::spec::parse(&Source::new("t.yaml", out)).unwrap();
        let again = trained_text(&spec, &[], &Moved::default(), Some("loss 0.25"));
        let want = "  test: 0.25   # a quarter  # test after training: loss 0.25\nnodes:";
        assert!(again.contains(want), "{again}");
        // A flow mapping on one line: the comment goes after it.
        let text = "data: { x: [[1], [2]], test: 0.5 }\nnodes:\n  y: sum(x)\noutput: y\n";
        let spec = crate::spec::parse(&Source::new("t.yaml", text)).unwrap();
        let out = trained_text(&spec, &[], &Moved::default(), Some("loss 1"));
        assert!(
            out.starts_with("data: { x: [[1], [2]], test: 0.5 }  # test after training: loss 1\n"),
            "{out}"
        );
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
        let out = trained_text(&spec, &[], &moved("../specs/iris.csv"), None);
        assert!(
            out.starts_with("data:\n  csv: ../specs/iris.csv   # rows\n"),
            "{out}"
        );
        let out = trained_text(&spec, &[], &moved("my data/iris.csv"), None);
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
