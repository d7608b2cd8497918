//! The spec format as a JSON Schema (draft 2020-12), for editors: completion
//! of keys and op names, hover text for each op, and a red underline before
//! anything runs (`bpc schema`, committed as `schema/bpc-spec.json`).
//!
//! The schema says what the parser and the graph builder check one value at
//! a time: which keys exist, what type each value has, which op names,
//! arities and attributes a node may use. It cannot say what needs the whole
//! spec (names defined elsewhere, cycles, shapes, rectangular tensors): bpc
//! still reports those. The op part is generated from the op table, so it
//! cannot drift from what bpc accepts; the rest follows `src/spec/` and is
//! held to every spec and error fixture by `tests/schema.rs`.

mod exercise;
mod ops;

use serde_json::{Value as Json, json};

use crate::init::INIT_NAMES;
use crate::spec::{EXPECT_KEYS, TOP_LEVEL_KEYS};
use crate::train::optim;

/// Where the schema says it comes from (draft 2020-12).
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// A name of an input, param or node. `spec::is_valid_name` takes letters
/// and digits of any script (Unicode's XID_Start/XID_Continue), which the
/// regular expressions of JSON Schema validators cannot all say (Python's and
/// JavaScript's differ on `\w` and `\p{..}`): here any character outside
/// ASCII is let through, and bpc checks the exact rule.
pub const NAME_PATTERN: &str = "[A-Za-z_\\u0080-\\uFFFF][A-Za-z0-9_\\u0080-\\uFFFF]*";

/// The whole schema.
pub fn schema() -> Json {
    let mut defs = serde_json::Map::new();
    defs.insert("value".into(), value());
    defs.insert("tensor".into(), tensor());
    defs.insert("init".into(), init());
    defs.insert(
        "values".into(),
        named_map(json!({ "$ref": "#/$defs/value" })),
    );
    defs.insert("node".into(), ops::node());
    defs.insert("expect".into(), expect());
    defs.insert("train".into(), train());
    defs.insert("data".into(), data());
    exercise::defs(&mut defs);
    let properties = json!({
        "name": {
            "type": "string",
            "description": "The spec's name, shown in output; default: the file's stem."
        },
        "description": {
            "type": "string",
            "description": "Free text, shown by `bpc run` and as the label of `bpc dot`."
        },
        "inputs": {
            "$ref": "#/$defs/values",
            "description": "Leaves that training never changes: `name: value`. Their gradients are still computed."
        },
        "params": {
            "$ref": "#/$defs/values",
            "description": "Leaves that `bpc train` updates: `name: value` or an init mapping."
        },
        "nodes": described(
            named_map(json!({ "$ref": "#/$defs/node" })),
            "`name: op(arg, arg, key=value)` or `name: { op: OP, args: [...], key: value }`; one operation per node."
        ),
        "output": {
            "type": "string",
            "pattern": anchored(NAME_PATTERN),
            "description": "The node (or leaf) whose gradient is taken."
        },
        "expect": { "$ref": "#/$defs/expect" },
        "train": { "$ref": "#/$defs/train" },
        "data": { "$ref": "#/$defs/data" },
        "vary": exercise::vary(),
        "variant": exercise::variant()
    });
    debug_assert!(TOP_LEVEL_KEYS.iter().all(|k| properties.get(k).is_some()));
    json!({
        "$schema": DIALECT,
        "title": "bpc spec (format version 1)",
        "description": "A computation graph for bpc, the backprop compiler: inputs, params, nodes and the output whose gradient is taken. See docs/spec-format.md.",
        "type": "object",
        "properties": properties,
        "required": ["output"],
        "additionalProperties": false,
        "$defs": defs
    })
}

/// The schema as pretty-printed JSON text, ending in a newline.
pub fn render() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// `^pattern$`.
fn anchored(pattern: &str) -> String {
    format!("^{pattern}$")
}

/// `schema` with a description (hover text).
fn described(mut schema: Json, description: &str) -> Json {
    schema["description"] = json!(description);
    schema
}

/// A mapping from names to `item`; `null` (an empty section) is allowed.
fn named_map(item: Json) -> Json {
    json!({
        "type": ["object", "null"],
        "propertyNames": { "pattern": anchored(NAME_PATTERN) },
        "additionalProperties": item
    })
}

/// A leaf's value: a number, a nested list, or an init mapping.
fn value() -> Json {
    json!({
        "description": "A number (`2`, `-0.5`, `1.1e-3`), a rectangular nested list (`[[1, 2], [3, 4]]`), or an init mapping (`{ shape: [2, 3], init: normal, std: 0.1, seed: 7 }`).",
        "anyOf": [
            { "$ref": "#/$defs/tensor" },
            { "$ref": "#/$defs/init" }
        ]
    })
}

/// A number or a nested list whose elements are all numbers or all lists
/// (rectangular shapes need the whole list, which bpc checks).
fn tensor() -> Json {
    json!({
        "anyOf": [
            { "type": "number" },
            { "type": "array", "items": { "type": "number" } },
            {
                "type": "array",
                "items": { "allOf": [{ "type": "array" }, { "$ref": "#/$defs/tensor" }] }
            }
        ]
    })
}

/// `{ shape: [2, 3], init: normal, std: 0.01, seed: 7 }` (`spec::InitDef`).
fn init() -> Json {
    let number = |d: &str| json!({ "type": "number", "description": d });
    json!({
        "type": "object",
        "description": "Seeded numbers: same seed, same numbers on every machine.",
        "properties": {
            "shape": {
                "type": "array",
                "items": { "type": "integer", "minimum": 0 },
                "description": "The tensor's shape, e.g. `[128, 784]`; `[]` is a scalar."
            },
            "init": {
                "enum": INIT_NAMES,
                "description": "zeros, ones, normal (mean, std), uniform (low, high), xavier (Glorot uniform), he (He normal); fans are read as [fan_in, fan_out]."
            },
            "std": number("Standard deviation of `normal` (default 1)."),
            "mean": number("Mean of `normal` (default 0)."),
            "low": number("Lower bound of `uniform` (default 0)."),
            "high": number("Upper bound of `uniform` (default 1)."),
            "seed": { "type": "integer", "minimum": 0, "description": "Seed of the random stream (default 0)." }
        },
        "required": ["shape", "init"],
        "additionalProperties": false
    })
}

/// `expect:` of an exercise (`spec::ExpectDef`).
fn expect() -> Json {
    let tolerance = |d: &str| json!({ "type": "number", "minimum": 0, "description": d });
    let properties = json!({
        "values": {
            "$ref": "#/$defs/questions",
            "description": "Questions on forward values, by name: an answer, or `{ answer, points, rtol, atol }`."
        },
        "grads": {
            "$ref": "#/$defs/questions",
            "description": "Questions on gradients d output / d name, by name."
        },
        "rtol": tolerance("Relative tolerance: passes when |got - want| <= atol + rtol |want| (replaces the rounding rule)."),
        "atol": tolerance("Absolute tolerance (replaces the rounding rule)."),
        "hidden": { "type": "boolean", "description": "Grade right or wrong without printing the computed answers." }
    });
    debug_assert!(EXPECT_KEYS.iter().all(|k| properties.get(k).is_some()));
    json!({
        "type": "object",
        "description": "The questions and their answers, judged by `bpc check` and `bpc grade`.",
        "properties": properties,
        "additionalProperties": false
    })
}

/// `train:` settings (`spec::TrainDef`), with the ranges `bpc train` checks.
fn train() -> Json {
    let positive = |d: &str| json!({ "type": "number", "exclusiveMinimum": 0, "description": d });
    let fraction = |d: &str| json!({ "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "description": d });
    let count = |min: u64, d: &str| json!({ "type": "integer", "minimum": min, "description": d });
    json!({
        "type": "object",
        "description": "Settings for `bpc train`; its flags override them.",
        "properties": {
            "loss": {
                "type": "string",
                "pattern": anchored(NAME_PATTERN),
                "description": "The scalar node to minimise (default: `output`)."
            },
            "optimizer": {
                "enum": optim::names().collect::<Vec<_>>(),
                "description": "sgd, momentum or adam, as torch.optim (default sgd)."
            },
            "lr": positive("Learning rate."),
            "momentum": positive("Momentum factor of `momentum` (default 0.9)."),
            "beta1": fraction("Adam's beta1 (default 0.9)."),
            "beta2": fraction("Adam's beta2 (default 0.999)."),
            "eps": positive("Adam's epsilon (default 1e-8)."),
            "epochs": count(0, "Passes over the data (or steps without data)."),
            "batch_size": count(1, "Rows per step (default: the whole data set)."),
            "shuffle": { "type": "boolean", "description": "Shuffle the rows each epoch (default: when batch_size < rows)." },
            "seed": count(0, "Seed of the shuffle."),
            "log_every": count(1, "Print the loss every this many epochs.")
        },
        "additionalProperties": false
    })
}

/// `data:` inline (input name -> rows), or `{ csv: FILE, columns: {...} }`.
fn data() -> Json {
    let column = json!({ "type": "string" });
    let fraction = json!({ "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1 });
    json!({
        "type": "object",
        "description": "A data set for `bpc train`, rows along axis 0: `input: rows` inline, or `csv: FILE` with `columns`.",
        "if": { "required": ["csv"] },
        "then": {
            "properties": {
                "csv": { "type": "string", "description": "A CSV file beside the spec; its first line names the columns." },
                "test": {
                    "description": "Rows held out of training: a fraction like 0.2 (chosen by train.seed), or a test CSV with the same columns.",
                    "anyOf": [fraction.clone(), { "type": "string" }]
                },
                "columns": {
                    "type": "object",
                    "description": "`input: column` (a 1-D tensor) or `input: [column, ...]` (2-D).",
                    "propertyNames": { "pattern": anchored(NAME_PATTERN) },
                    "additionalProperties": {
                        "anyOf": [column, { "type": "array", "items": column }]
                    }
                }
            },
            "required": ["columns"],
            "additionalProperties": false
        },
        "else": {
            "not": { "required": ["columns"] },
            "properties": {
                "test": {
                    "description": "Rows held out of training: a fraction like 0.2, chosen by train.seed (a list is the rows of an input named `test`).",
                    "anyOf": [fraction, { "allOf": [{ "type": "array" }, { "$ref": "#/$defs/value" }] }]
                }
            },
            "propertyNames": { "pattern": anchored(NAME_PATTERN) },
            "additionalProperties": { "$ref": "#/$defs/value" }
        }
    })
}
