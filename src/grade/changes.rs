//! What a student changed in the graph: their inputs, params, nodes and
//! output against the key's (at the student's variant). Grading never uses
//! the student's graph, so these edits cannot change the expected answers;
//! they are listed so the teacher sees them (`changed input coupon: 50 -> 0`).

use crate::diag::Source;
use crate::graph;
use crate::render::{exact, value_text};
use crate::spec::{Arg, Attr, Entry, NodeDef, Spec, ValueDef};
use crate::tensor::Value;

/// Significant digits of values in the list.
const DIGITS: usize = 6;
/// Tensors with more elements are shown by their first ones.
const MAX_ELEMS: usize = 8;

/// Every difference between the submission `sub` and the key `key`, whose
/// varied leaves take the values `variant`: one line each, inputs first,
/// then params, nodes and the output, each in the key's order and then the
/// submission's additions.
pub fn changes(key: &Spec, variant: &[(String, Value)], sub: &Spec) -> Vec<String> {
    let mut out = Vec::new();
    let key_value = |e: &Entry<ValueDef>| match variant.iter().find(|(n, _)| *n == e.name.value) {
        Some((_, v)) => shown(&Ok(v.clone())),
        None => shown(&graph::value_of(&key.source, &e.def).map_err(|_| ())),
    };
    let sub_value =
        |e: &Entry<ValueDef>| shown(&graph::value_of(&sub.source, &e.def).map_err(|_| ()));
    for (what, k, s) in [
        ("input", &key.inputs, &sub.inputs),
        ("param", &key.params, &sub.params),
    ] {
        diff(&mut out, what, k, s, key_value, sub_value);
    }
    let key_node = |e: &Entry<NodeDef>| call_text(&key.source, e);
    let sub_node = |e: &Entry<NodeDef>| call_text(&sub.source, e);
    diff(&mut out, "node", &key.nodes, &sub.nodes, key_node, sub_node);
    let name = |s: &Spec| s.output.as_ref().map(|o| o.value.clone());
    match (name(key), name(sub)) {
        (Some(k), Some(s)) if k != s => out.push(format!("changed output: {k} -> {s}")),
        (Some(k), None) => out.push(format!("removed output {k}")),
        _ => {}
    }
    out
}

/// Lists the entries of one section that changed, were removed or added.
fn diff<T>(
    out: &mut Vec<String>,
    what: &str,
    key: &[Entry<T>],
    sub: &[Entry<T>],
    key_text: impl Fn(&Entry<T>) -> String,
    sub_text: impl Fn(&Entry<T>) -> String,
) {
    let find = |list: &[Entry<T>], name: &str| {
        list.iter()
            .position(|e| e.name.value == name)
            .map(|i| i.to_owned())
    };
    for k in key {
        match find(sub, &k.name.value) {
            None => out.push(format!("removed {what} {}", k.name.value)),
            Some(i) => {
                let (a, b) = (key_text(k), sub_text(&sub[i]));
                if a != b {
                    out.push(format!("changed {what} {}: {a} -> {b}", k.name.value));
                }
            }
        }
    }
    for s in sub {
        if find(key, &s.name.value).is_none() {
            out.push(format!("added {what} {}: {}", s.name.value, sub_text(s)));
        }
    }
}

/// A value for the list; every number exact when the tensor is small, so
/// two values print alike only when they are equal.
fn shown(v: &Result<Value, ()>) -> String {
    match v {
        Err(()) => "(not a value)".into(),
        Ok(v) if v.len() <= MAX_ELEMS => crate::render::nested(v.shape(), &v.to_vec(), &|x| {
            let short = crate::render::number(x, DIGITS);
            if short.parse::<f64>() == Ok(x) {
                short
            } else {
                exact(x)
            }
        }),
        Ok(v) => format!(
            "{} (hash {:016x})",
            value_text(v, DIGITS, MAX_ELEMS),
            v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
                (h ^ x.to_bits()).wrapping_mul(0x0000_0100_0000_01b3)
            })
        ),
    }
}

/// A node as `op(arg, arg, key=value)`, however it was written; its text as
/// written when it is not a call.
fn call_text(src: &Source, e: &Entry<NodeDef>) -> String {
    let call = match e.def.value.to_call(src, e.def.span) {
        Ok(call) => call,
        Err(_) => {
            return match &e.def.value {
                NodeDef::Text(t) => t.trim().to_string(),
                NodeDef::Plain => src
                    .text
                    .get(e.def.span.start..e.def.span.end)
                    .unwrap_or("")
                    .trim()
                    .to_string(),
                NodeDef::Map(_) => "(not a call)".into(),
            };
        }
    };
    let args = call.args.iter().map(|a| match &a.value {
        Arg::Name(n) => n.to_string(),
        Arg::Number(x) => crate::edit::short(*x),
    });
    let attrs = call.attrs.iter().map(|(k, v)| match &v.value {
        Attr::Number(x) => format!("{}={}", k.value, crate::edit::short(*x)),
        Attr::List(xs) => {
            let xs: Vec<String> = xs.iter().map(|x| crate::edit::short(*x)).collect();
            format!("{}=[{}]", k.value, xs.join(", "))
        }
        Attr::Text(t) => format!("{}={t}", k.value),
    });
    let all: Vec<String> = args.chain(attrs).collect();
    format!("{}({})", call.op.value, all.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        crate::spec::parse(&Source::new("t.yaml", text)).unwrap()
    }

    #[test]
    fn edits_are_listed_in_order() {
        let key = spec(
            "inputs:\n  m: 2\n  coupon: 50\n  w: [1, 2]\nnodes:\n  a: mul(m, 3)\n  b: sub(a, coupon)\noutput: b\n",
        );
        let same = spec(
            "inputs:\n  m: 2\n  coupon: 50.0\n  w: [1, 2.0]\nnodes:\n  a: { op: mul, args: [m, 3] }\n  b: sub(a,coupon)\noutput: b\n",
        );
        assert_eq!(changes(&key, &[], &same), Vec::<String>::new());
        let edited = spec(
            "inputs:\n  coupon: 0\n  w: [1, 2.5]\n  extra: 1\nnodes:\n  a: mul(m, 3.5)\n  b: sub(a, coupon)\n  c: neg(b)\noutput: c\n",
        );
        assert_eq!(
            changes(&key, &[], &edited),
            [
                "removed input m",
                "changed input coupon: 50 -> 0",
                "changed input w: [1, 2] -> [1, 2.5]",
                "added input extra: 1",
                "changed node a: mul(m, 3) -> mul(m, 3.5)",
                "added node c: neg(b)",
                "changed output: b -> c",
            ]
        );
    }

    #[test]
    fn the_variant_is_what_the_key_expects() {
        let key = spec("inputs:\n  m: 2\nnodes:\n  y: square(m)\noutput: y\n");
        let sub = spec("inputs:\n  m: 7\nnodes:\n  y: square(m)\noutput: y\n");
        assert!(changes(&key, &[("m".into(), Value::Scalar(7.0))], &sub).is_empty());
        assert_eq!(
            changes(&key, &[("m".into(), Value::Scalar(5.0))], &sub),
            ["changed input m: 5 -> 7"]
        );
        // Numbers that differ past 6 digits are shown exactly.
        let sub = spec("inputs:\n  m: 2.0000001\nnodes:\n  y: square(m)\noutput: y\n");
        assert_eq!(
            changes(&key, &[], &sub),
            ["changed input m: 2 -> 2.0000001"]
        );
    }
}
