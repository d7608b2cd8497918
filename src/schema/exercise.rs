//! The teaching extensions in the schema (`spec::exercise`): questions under
//! `expect` (an answer, or `{ answer, points, rtol, atol }`), blank answers,
//! a key's `vary` and a handout's `variant`.

use serde_json::{Value as Json, json};

use super::{NAME_PATTERN, anchored, named_map};
use crate::spec::QUESTION_KEYS;

/// What a blank answer may be: `~`, nothing, `?`, `___` (bpc reads a bare
/// `key: ?` as `~`; editors see a YAML error there).
const BLANK_PATTERN: &str = r"^\s*(\?+|_+)?\s*$";

/// A student ID (`grade::variant::check_id`).
const ID_PATTERN: &str = r"^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,99}$";

/// The `$defs` this module adds: `blank`, `answer`, `question`, `questions`,
/// `vary_rule`.
pub fn defs(defs: &mut serde_json::Map<String, Json>) {
    defs.insert(
        "blank".into(),
        json!({
            "description": "A blank answer: `~`, nothing, `?` or `___`.",
            "anyOf": [
                { "type": "null" },
                { "type": "string", "pattern": BLANK_PATTERN }
            ]
        }),
    );
    defs.insert(
        "answer".into(),
        json!({
            "description": "A number, a rectangular nested list of numbers (blanks allowed), or a blank (`~`).",
            "anyOf": [
                { "type": "number" },
                { "$ref": "#/$defs/blank" },
                {
                    "type": "array",
                    "items": { "anyOf": [{ "type": "number" }, { "$ref": "#/$defs/blank" }] }
                },
                {
                    "type": "array",
                    "items": { "allOf": [{ "type": "array" }, { "$ref": "#/$defs/answer" }] }
                }
            ]
        }),
    );
    let score = |d: &str| json!({ "type": "number", "minimum": 0, "description": d });
    let properties = json!({
        "answer": { "$ref": "#/$defs/answer" },
        "points": score("Points for a right answer (default 1)."),
        "rtol": score("This question's relative tolerance: replaces the rounding rule."),
        "atol": score("This question's absolute tolerance: replaces the rounding rule.")
    });
    debug_assert!(QUESTION_KEYS.iter().all(|k| properties.get(k).is_some()));
    defs.insert(
        "question".into(),
        json!({
            "description": "An answer, or `{ answer: ..., points: 2, rtol: 1e-3 }`. Right when equal to the computed value, or rounded from it to the digits written (3 significant at least).",
            "anyOf": [
                { "$ref": "#/$defs/answer" },
                {
                    "type": "object",
                    "properties": properties,
                    "required": ["answer"],
                    "additionalProperties": false
                }
            ]
        }),
    );
    defs.insert(
        "questions".into(),
        named_map(json!({ "$ref": "#/$defs/question" })),
    );
    defs.insert(
        "vary_rule".into(),
        json!({
            "type": "object",
            "description": "`{ range: [LOW, HIGH] }` (with `step`, default 1) or `{ choice: [...] }`.",
            "properties": {
                "range": {
                    "type": "array",
                    "items": { "type": "number" },
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "LOW and HIGH, both included."
                },
                "step": { "type": "number", "exclusiveMinimum": 0, "description": "The spacing of a range (default 1)." },
                "choice": {
                    "type": "array",
                    "items": { "$ref": "#/$defs/tensor" },
                    "minItems": 1,
                    "description": "The values to choose from, each of the input's shape."
                }
            },
            "oneOf": [{ "required": ["range"] }, { "required": ["choice"] }],
            "additionalProperties": false
        }),
    );
}

/// `vary:` of a key.
pub fn vary() -> Json {
    json!({
        "type": "object",
        "description": "Each student's own numbers (`bpc handout --student ID`): `seed: N` and, per input or param, a rule.",
        "propertyNames": { "pattern": anchored(NAME_PATTERN) },
        "properties": {
            "seed": {
                "anyOf": [
                    { "type": "integer", "minimum": 0, "description": "Seed of the students' numbers (default 0)." },
                    { "$ref": "#/$defs/vary_rule" }
                ]
            }
        },
        "additionalProperties": { "$ref": "#/$defs/vary_rule" }
    })
}

/// `variant:` of a handout.
pub fn variant() -> Json {
    json!({
        "type": "object",
        "description": "Whose numbers this handout holds (written by `bpc handout --student ID`).",
        "properties": {
            "student": { "type": "string", "pattern": ID_PATTERN, "description": "The student's ID." },
            "seed": { "type": "integer", "minimum": 0, "description": "The key's `vary.seed` when the handout was made." }
        },
        "required": ["student"],
        "additionalProperties": false
    })
}
