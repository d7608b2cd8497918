//! The node part of the schema, generated from the op table: one pattern per
//! op for call strings (`mul(a, b)`), one branch per op for the mapping form
//! (`{ op: mul, args: [a, b] }`), each with the op's signature and summary as
//! hover text.

use serde_json::{Value as Json, json};

use super::{NAME_PATTERN, anchored};
use crate::op::{AttrDefault, AttrKind, AttrValue, OPS, OpDef};

/// A numeric literal as `spec::call` reads one: finite decimal forms.
const NUMBER: &str = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?";

/// An integer axis as the graph builder accepts one: |axis| < 64.
const AXIS: &str = r"[+-]?0*(?:[0-9]|[1-5][0-9]|6[0-3])(?:\.0*)?";

/// Whitespace around the pieces of a call.
const WS: &str = r"\s*";

/// An integer position (index, slice), negative from the end.
const INT: &str = r"[+-]?[0-9]+(?:\.0*)?";

/// A shape: `[2, -1]`.
const SHAPE: &str = r"\[\s*(?:-?[0-9]+(?:\s*,\s*-?[0-9]+)*)?\s*\]";

/// The schema of a node: a call string or a mapping.
pub(super) fn node() -> Json {
    let names: Vec<&str> = OPS.iter().map(|op| op.name).collect();
    let hovers: Vec<String> = OPS.iter().map(|op| hover(op)).collect();
    // Completion offers each op's call with its arguments as tab stops.
    let snippets: Vec<Json> = OPS.iter().map(|op| snippet(op)).collect();
    // A call string: its shape, a known op, then that op's own pattern (so
    // the message names the op that was meant).
    let mut call_checks = vec![
        json!({
            "pattern": format!(r"^\s*{NAME_PATTERN}\s*\([^()]*\)\s*$"),
            "patternErrorMessage": "a node is one call, `op(arg, arg, key=value)`: arguments are names or numbers, never calls"
        }),
        json!({
            "pattern": format!(r"^\s*(?:{})\s*\(", names.join("|")),
            "patternErrorMessage": format!("unknown op; the ops are {}", names.join(", "))
        }),
    ];
    call_checks.extend(OPS.iter().map(|op| {
        json!({
            "if": { "pattern": format!(r"^\s*{}\s*\(", op.name) },
            "then": {
                "pattern": call_pattern(op),
                "patternErrorMessage": format!("write it as `{}`", op.usage()),
                "description": hover(op)
            }
        })
    }));
    let branches: Vec<Json> = OPS.iter().map(|op| mapping_branch(op)).collect();
    json!({
        "anyOf": [
            {
                "type": "string",
                "defaultSnippets": snippets,
                "allOf": call_checks
            },
            {
                "type": "object",
                "properties": {
                    "op": {
                        "enum": names,
                        "enumDescriptions": hovers,
                        "markdownEnumDescriptions": hovers,
                        "description": "The operation."
                    },
                    "args": {
                        "type": "array",
                        "description": "The arguments, in order: names of inputs, params or nodes, or numbers.",
                        "items": {
                            "anyOf": [
                                { "type": "string", "pattern": anchored(NAME_PATTERN) },
                                { "type": "number" }
                            ]
                        }
                    }
                },
                "required": ["op", "args"],
                "allOf": branches
            }
        ]
    })
}

/// An attribute's default, as the usage line writes it.
fn default(d: AttrDefault) -> String {
    match d {
        AttrDefault::Value(AttrValue::Number(x)) => x.to_string(),
        AttrDefault::Value(AttrValue::Int(n)) => n.to_string(),
        AttrDefault::Value(AttrValue::Shape(d)) => d.text(),
        AttrDefault::Absent(what) => what.to_string(),
        AttrDefault::Required => "none: required".to_string(),
    }
}

/// A completion item for a call of `op`: `mul(${1:a}, ${2:b})`.
fn snippet(op: &OpDef) -> Json {
    let args: Vec<String> = op
        .args
        .iter()
        .enumerate()
        .map(|(i, a)| format!("${{{}:{}}}", i + 1, a.name))
        .collect();
    json!({
        "label": op.usage(),
        "description": op.summary,
        "body": format!("{}({})", op.name, args.join(", "))
    })
}

/// `mul(a, b)`: the summary, for hover text.
fn hover(op: &OpDef) -> String {
    format!("{}: {}", op.usage(), op.summary)
}

/// The pattern of a call string of `op`: its name, exactly its number of
/// arguments (names or numbers), and its attributes anywhere among them.
fn call_pattern(op: &OpDef) -> String {
    let arg = format!("(?:{NAME_PATTERN}|{NUMBER})");
    let attrs: Vec<String> = op
        .attrs
        .iter()
        .map(|a| {
            let value = match a.kind {
                AttrKind::Axis => AXIS,
                AttrKind::Number => NUMBER,
                AttrKind::Index => INT,
                AttrKind::Shape => SHAPE,
            };
            format!("{}{WS}={WS}{value}", a.name)
        })
        .collect();
    let attr = (!attrs.is_empty()).then(|| format!("(?:{})", attrs.join("|")));
    let mut body = String::new();
    if let Some(attr) = &attr {
        body.push_str(&format!("(?:{attr}{WS},{WS})*"));
    }
    let (min, max) = op.arity();
    for i in 0..op.args.len() {
        if i > 0 {
            body.push_str(&format!("{WS},{WS}"));
        }
        body.push_str(&arg);
        if let Some(attr) = &attr {
            body.push_str(&format!("(?:{WS},{WS}{attr})*"));
        }
    }
    // A repeated last argument (stack, concat), then positional attributes.
    if max > min {
        body.push_str(&format!("(?:{WS},{WS}{arg})*"));
        if let Some(attr) = &attr {
            body.push_str(&format!("(?:{WS},{WS}{attr})*"));
        }
    }
    for _ in op.attrs.iter().filter(|a| a.positional) {
        body.push_str(&format!("(?:{WS},{WS}{INT})?"));
        if let Some(attr) = &attr {
            body.push_str(&format!("(?:{WS},{WS}{attr})*"));
        }
    }
    format!("^{WS}{}{WS}\\({WS}{body}{WS}\\){WS}$", op.name)
}

/// For the mapping form: when `op` is this op, exactly its arguments and
/// only its attributes.
fn mapping_branch(op: &OpDef) -> Json {
    let (n, max) = op.arity();
    let positional = op.attrs.iter().filter(|a| a.positional).count();
    let mut properties = serde_json::Map::new();
    properties.insert("op".into(), json!(true));
    let args = if max == usize::MAX {
        json!({
            "minItems": n,
            "description": format!("{n} or more argument(s): {}", op.usage())
        })
    } else {
        json!({
            "minItems": n,
            "maxItems": n + positional,
            "description": format!("{n} argument(s): {}", op.usage())
        })
    };
    properties.insert("args".into(), args);
    for a in op.attrs {
        let schema = match a.kind {
            AttrKind::Axis => json!({
                "type": "integer",
                "minimum": -63,
                "maximum": 63,
                "description": format!("An axis; negative counts from the end (default {}).", default(a.default))
            }),
            AttrKind::Number => json!({
                "type": "number",
                "description": format!("A number (default {}).", default(a.default))
            }),
            AttrKind::Index => json!({
                "type": "integer",
                "description": format!("A position; negative counts from the end (default {}).", default(a.default))
            }),
            AttrKind::Shape => json!({
                "type": "array",
                "items": { "type": "integer", "minimum": -1 },
                "maxItems": crate::op::MAX_RANK,
                "description": "A shape: sizes, one of them -1 (inferred) at most."
            }),
        };
        properties.insert(a.name.into(), schema);
    }
    json!({
        "if": { "properties": { "op": { "const": op.name } } },
        "then": {
            "description": hover(op),
            "properties": properties,
            "additionalProperties": false
        }
    })
}
