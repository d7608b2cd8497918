//! Parsing keeps every span; call strings and nested lists are read right.
use super::*;
use crate::diag::{Diagnostic, Source, Span};

fn parse_str(text: &str) -> Result<Spec, Diagnostic> {
    parse(&Source::new("t.yaml", text))
}

#[test]
fn keys_and_values_keep_their_spans() {
    let text = "inputs:\n  n_X: 2\n  w: [[1, 2], [3, 4]]\nnodes:\n  y: mul(n_X, w)\noutput: y\n";
    let spec = parse_str(text).unwrap();
    let n = &spec.inputs[0];
    assert_eq!(&text[n.name.span.start..n.name.span.end], "n_X");
    assert_eq!(
        n.def.value,
        ValueDef::Literal {
            shape: vec![],
            data: vec![2.0]
        }
    );
    assert_eq!(
        spec.inputs[1].def.value,
        ValueDef::Literal {
            shape: vec![2, 2],
            data: vec![1.0, 2.0, 3.0, 4.0]
        }
    );
    let node = &spec.nodes[0];
    let call = node.def.value.to_call(&spec.source, node.def.span).unwrap();
    assert_eq!(&text[call.op.span.start..call.op.span.end], "mul");
    assert_eq!(&text[call.args[1].span.start..call.args[1].span.end], "w");
    assert_eq!(spec.output.unwrap().value, "y");
}

#[test]
fn quoted_call_strings_shift_by_one() {
    let text = "nodes:\n  y: \"add(a, 2.5)\"\noutput: y\n";
    let spec = parse_str(text).unwrap();
    let node = &spec.nodes[0];
    let call = node.def.value.to_call(&spec.source, node.def.span).unwrap();
    assert_eq!(&text[call.args[0].span.start..call.args[0].span.end], "a");
    assert_eq!(call.args[1].value, Arg::Number(2.5));
}

#[test]
fn mapping_nodes_read_attributes() {
    let text = "nodes:\n  p: { op: softmax, args: [z], axis: 1 }\noutput: p\n";
    let spec = parse_str(text).unwrap();
    let NodeDef::Map(call) = &spec.nodes[0].def.value else {
        panic!("expected a mapping")
    };
    assert_eq!(call.op.value, "softmax");
    assert_eq!(call.attrs[0].0.value, "axis");
    assert_eq!(call.attrs[0].1.value, Attr::Number(1.0));
    assert_eq!(
        &text[call.attrs[0].0.span.start..call.attrs[0].0.span.end],
        "axis"
    );
}

#[test]
fn ragged_lists_point_at_the_bad_row() {
    let text = "inputs:\n  w: [[1, 2], [3]]\nnodes: {}\noutput: w\n";
    let spec = parse_str(text).unwrap();
    let ValueDef::Bad { span, message } = &spec.inputs[0].def.value else {
        panic!()
    };
    assert!(message.contains("1 elements"), "{message}");
    assert_eq!(&text[span.start..span.start + 3], "[3]");
}

#[test]
fn unknown_top_level_keys_are_collected() {
    let spec = parse_str("nodez: {}\noutput: y\n").unwrap();
    assert_eq!(spec.unknown_keys[0].value, "nodez");
    assert_eq!(spec.unknown_keys[0].span, Span::new(0, 5));
}

#[test]
fn yaml_errors_have_a_location() {
    let e = parse_str("nodes:\n  y: [1, 2\noutput: y\n").unwrap_err();
    assert!(e.location().is_some(), "{e}");
    let e = parse_str("").unwrap_err();
    assert!(e.message.contains("empty"));
}

#[test]
fn names_follow_the_identifier_rule() {
    assert!(is_valid_name("b_TAX"));
    assert!(is_valid_name("_x1"));
    assert!(!is_valid_name("1x"));
    assert!(!is_valid_name("a-b"));
    assert!(!is_valid_name(""));
    // Letters and digits of any script.
    assert!(is_valid_name("數量"));
    assert!(is_valid_name("結帳金額_2"));
    assert!(is_valid_name("größe"));
    assert!(is_valid_name("x١")); // Arabic-Indic digit one
    assert!(!is_valid_name("١x"));
    assert!(!is_valid_name("數量!"));
    assert!(!is_valid_name("a b"));
    assert!(!is_valid_name("x²")); // a superscript is not a digit of a name
}

#[test]
fn a_missing_comma_is_named_and_the_fix_shown() {
    let text = "nodes:\n  y: softmax(a  b, axis = 1)\noutput: y\n";
    let spec = parse_str(text).unwrap();
    let node = &spec.nodes[0];
    let e = node
        .def
        .value
        .to_call(&spec.source, node.def.span)
        .unwrap_err();
    assert_eq!(e.message, "missing `,` between the arguments `a` and `b`");
    assert_eq!(
        e.help.as_deref(),
        Some("separate arguments with commas: `softmax(a, b, axis = 1)`")
    );
    let span = e.span.unwrap();
    assert_eq!(&text[span.start..span.end], "  ");
}
