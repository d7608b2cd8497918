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

/// The fast path, where it applies, makes the spec the general reader makes
/// (spans included); where the general reader fails, it does not apply.
fn fast_agrees(text: &str) -> bool {
    let source = Source::new("t.yaml", text);
    let Some(fast) = super::fast::parse(&source) else {
        return false;
    };
    match super::parse::parse_yaml(&source) {
        Ok(slow) => assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{text}"),
        Err(e) => panic!("the fast path read what YAML refuses: {e}\n{text}"),
    }
    true
}

#[test]
fn the_fast_path_agrees_on_every_shipped_yaml_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut files, mut fast) = (0, 0);
    for dir in ["specs", "exercises", "tests/errors", "fuzz/corpus/pipeline"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            files += 1;
            fast += usize::from(fast_agrees(&text));
        }
    }
    // Most lesson specs keep to the plain layout (the others have `expect`,
    // `train`, `data`, quotes or inits).
    assert!(
        files > 100 && fast >= 15,
        "{fast} of {files} read by the fast path"
    );
}

#[test]
fn the_fast_path_agrees_on_the_corner_cases() {
    let leaf = |v: &str| format!("inputs:\n  a: {v}\nnodes:\n  y: neg(a)\noutput: y\n");
    let node = |v: &str| format!("inputs:\n  a: 1\n  b: 2\nnodes:\n  y: {v}\noutput: y\n");
    let mut taken = 0;
    for v in [
        "2",
        "-0",
        "0.50",
        "1e3",
        "1E3",
        "1.5e-3",
        "-2.5E+2",
        "1.",
        ".5",
        "+1",
        "0x10",
        "0o7",
        "1_000",
        "012",
        "1e400",
        "123456789012345678",
        "9007199254740993",
        "2 # c",
        "2#c",
        "[1, 2]",
        "[ 1 , 2 ]",
        "[1,2]",
        "[[1, 2], [3, 4]]",
        "[[1, 2], [3]]",
        "[]",
        "[[]]",
        "[1, [2]]",
        "[[1], 2]",
        "[1,]",
        "[1, 2] # c",
        "[1, 2]x",
        "[1, 2",
        ".inf",
        "-.inf",
        ".nan",
        "null",
        "~",
        "true",
        "yes",
        "y",
        "'2'",
        "\"2\"",
        "&x 2",
        "!!float 2",
        "[[[[[[[[[1]]]]]]]]]",
    ] {
        taken += usize::from(fast_agrees(&leaf(v)));
    }
    for v in [
        "mul(a, b)",
        "mul(a,b)",
        "mul( a , b )",
        "mul(a, b) # c",
        "mul(a, b)#c",
        "mul(a, b):",
        "mul(a, b): c",
        "mul(a b)",
        "mul(a, 1,5)",
        "sum(a, axis=0)",
        "leaky_relu(a, alpha=-1e-3)",
        "neg(-1)",
        "mul(a, .5)",
        "mul(a, 1e3)",
        "mul(a, [1])",
        "'mul(a, b)'",
        "\"mul(a, b)\"",
        "mul(a, b) ",
        "mul(a, mul(a, b))",
        "{ op: mul, args: [a, b] }",
        "neg(數量)",
        "2",
        "a",
    ] {
        taken += usize::from(fast_agrees(&node(v)));
    }
    for text in [
        "inputs:\n  a: 1\nnodes:\n  # a comment\n\n  y: neg(a)   # trailing\noutput: y",
        "inputs: {}\nnodes:\n    y: neg(2)\noutput: y\n",
        "inputs:\nnodes:\n  y: neg(2)\noutput: y\n",
        "inputs: # none\nnodes:\n  y: neg(2)\noutput: y\n",
        "nodes:\n  y: neg(2)\n   z: neg(y)\noutput: y\n",
        "nodes:\n  y: neg(2)\n z: neg(y)\noutput: y\n",
        "nodes:\n  y: neg(2)\n  y: neg(3)\noutput: y\n",
        "nodes:\n  y: neg(2)\noutput: y\noutput: y\n",
        "nodes:\n  y: neg(2)\noutput: y\nnodes: {}\n",
        "name: fruit\ndescription: 2 fruits × price 100, tax 1.1\nnodes:\n  y: neg(2)\noutput: y\n",
        "name: 水果\ndescription: 數量 2\nnodes:\n  數量: neg(2)\noutput: 數量\n",
        "name: null\nnodes:\n  y: neg(2)\noutput: y\n",
        "name: 2\nnodes:\n  y: neg(2)\noutput: y\n",
        "description: 2\nnodes:\n  y: neg(2)\noutput: y\n",
        "description: a: b\nnodes:\n  y: neg(2)\noutput: y\n",
        "description: 0x1F\nnodes:\n  y: neg(2)\noutput: y\n",
        "description: 1_000\nnodes:\n  y: neg(2)\noutput: y\n",
        "description: 0o17 and 1e3\nnodes:\n  y: neg(2)\noutput: y\n",
        "description: y\nnodes:\n  y: neg(2)\noutput: y\n",
        "description: a, b - c? d!\nnodes:\n  y: neg(2)\noutput: y\n",
        "nodes:\n\n\n  # c\n\n  y: neg(2)\n\n\noutput: y\n",
        "description: some\n  more\nnodes:\n  y: neg(2)\noutput: y\n",
        "output:\nnodes:\n  y: neg(2)\n",
        "---\nnodes:\n  y: neg(2)\noutput: y\n",
        "nodes:\n  y: neg(2)\noutput: y\n...\n",
        "nodes:\n  y:neg(2)\noutput: y\n",
        "nodes:\n  null: neg(2)\noutput: y\n",
        "nodes:\n  y: neg(2)\noutput: y",
        "nodes:\n  y : neg(2)\noutput: y\n",
        "nodes:\n- y: neg(2)\noutput: y\n",
        "nodes:\n  y: neg(2)\ntrain: {}\noutput: y\n",
        "nodes:\n  y: neg(2)\nnodez: {}\noutput: y\n",
        "nodes:\n  y: neg(2) # \u{1b}[2J\noutput: y\n",
        "nodes:\n  y: neg(2) # \u{85} \u{9b} \u{feff} \u{fffe}\noutput: y\n",
        "nodes:\n  y: neg(2) # \u{202e}gnp.exe\noutput: y\n",
        "nodes:\n  y: neg(2)\r\noutput: y\r\n",
    ] {
        taken += usize::from(fast_agrees(text));
    }
    assert!(taken >= 30, "{taken}");
}

#[test]
fn the_fast_path_reads_a_generated_chain() {
    let mut text = String::from("inputs:\n  x: 0.5\n  half: 0.5\nnodes:\n  n0: add(x, 0)\n");
    for i in 1..1000 {
        let call = ["tanh(n{p})", "add(n{p}, x)", "mul(n{p}, half)"][i % 3]
            .replace("{p}", &(i - 1).to_string());
        text.push_str(&format!("  n{i}: {call}\n"));
    }
    text.push_str("output: n999\n");
    assert!(fast_agrees(&text));
}

mod fast_path_property {
    use super::fast_agrees;
    use proptest::prelude::*;

    const KEYS: &[&str] = &["inputs:", "params:", "nodes:", "inputs: {}", "nodes: # c"];
    const NAMES: &[&str] = &[
        "a", "b", "y", "n_X", "數量", "null", "a b", "1x", "y ", "on",
    ];
    const VALUES: &[&str] = &[
        "2",
        "-1.5e3",
        "0.5",
        "007",
        "[1, 2]",
        "[[1, 2], [3, 4]]",
        "[[1], [2, 3]]",
        "neg(a)",
        "mul(a, b)",
        "add(a, 2.5)",
        "sum(a, axis=0)",
        "mul(a b)",
        "'x'",
        "\"neg(a)\"",
        "a: b",
        "*x",
        "&x 1",
        "[1, 2",
        "~",
        "",
        "# c",
        "mul(a, b) # c",
        "|",
        "{ op: neg, args: [a] }",
    ];
    const TOP: &[&str] = &[
        "output: y",
        "name: t",
        "description: a spec",
        "output:",
        "train: {}",
    ];

    fn line() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => (0..NAMES.len(), 0..VALUES.len(), 1usize..4, 0usize..3).prop_map(|(n, v, indent, gap)| {
                format!("{}{}:{}{}", " ".repeat(indent), NAMES[n], " ".repeat(gap), VALUES[v])
            }),
            1 => (0..KEYS.len()).prop_map(|k| KEYS[k].to_string()),
            1 => (0..TOP.len()).prop_map(|k| TOP[k].to_string()),
            1 => Just("  # a comment".to_string()),
            1 => Just(String::new()),
        ]
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_yaml_reader(lines in proptest::collection::vec(line(), 1..12)) {
            let mut text = String::from("nodes:\n");
            for l in &lines {
                text.push_str(l);
                text.push('\n');
            }
            fast_agrees(&text);
        }
    }
}
