//! The JSON Schema of the spec format (`bpc schema`, committed as
//! `schema/bpc-spec.json`): it is what `bpc schema` prints, every shipped
//! spec names it on its first line, it accepts every spec and exercise, and
//! it rejects each error fixture whose mistake a schema can express. The
//! validator is Python's `jsonschema` (draft 2020-12); the YAML is read by
//! bpc's own YAML reader (YAML 1.2, as editors read it) and handed over as JSON.

mod common;

use std::path::Path;

use common::{bpc, python, root};

/// The first line of every spec and exercise: editors with the YAML language
/// server read the schema from it.
const MODELINE: &str = "# yaml-language-server: $schema=../schema/bpc-spec.json";

/// Fixtures with a mistake of structure: the schema rejects them.
const REJECTED: &[&str] = &[
    "arity",                    // per-op call patterns count the arguments
    "bad_attribute_value",      // axis=rows, alpha: small, axis=0.5
    "bad_name",                 // 1x, my-input: names are identifiers
    "boolean_word",             // shuffle: yes is a string (YAML 1.2), not a boolean
    "bool_value",               // a value is a number, a list or an init
    "data_test_boolean",        // test is a fraction, a CSV file or (inline) a list
    "data_test_csv_inline",     // with inline data, test is a fraction or a list
    "data_test_fraction",       // a fraction is between 0 and 1
    "decimal_comma",            // mul(x, 1,5): the call pattern counts three arguments
    "empty",                    // an empty file is not a mapping
    "init_negative_shape",      // shape entries are >= 0
    "init_unknown",             // init is one of six names
    "init_unknown_field",       // an init takes only its own keys
    "long_line",                // data rows are numbers, not `yes`
    "missing_comma",            // mul(price_Y n_X) is not an argument list
    "missing_output",           // output is required
    "nested_call",              // arguments are names or numbers, never calls
    "node_is_number",           // a node is a call or a mapping
    "node_missing_op",          // the mapping form needs op
    "nodes_forgotten",          // fruit_price is not a top-level key
    "nodes_forgotten_indented", // an input's value is a number, not a call
    "nodes_not_a_mapping",      // nodes is a mapping
    "non_numeric_literal",      // tensor elements are numbers
    "not_a_call",               // a call has the form op(...)
    "null_value",               // a value cannot be empty
    "ragged_depth",             // all elements of a list are numbers, or all lists
    "several_errors",           // `outptu`, `mull(...)`, keepdims=1
    "spec_not_a_mapping",       // a spec is a mapping
    "unknown_attribute",        // softmax takes axis, not axes
    "unknown_op",               // mull is not an op
    "unknown_top_level_key",
];

/// Fixtures whose mistake needs more than a schema can say: it accepts them
/// (bpc reports them). Each reason says why.
const ACCEPTED: &[(&str, &str)] = &[
    (
        "data_test_all_rows",
        "whether a fraction leaves rows to train on depends on how many rows there are",
    ),
    (
        "op_index_out_of_range",
        "a position against a size known only from the graph's shapes",
    ),
    (
        "op_reshape_attr",
        "one -1 at most, and reshape's required shape, are not expressed",
    ),
    (
        "op_reshape_count",
        "an element count known only from the graph's shapes",
    ),
    (
        "op_stack_concat",
        "argument shapes and an empty slice are known only from the graph",
    ),
    (
        "broadcast_huge",
        "the size of a broadcast result needs the shapes of the graph",
    ),
    ("cycle", "a cycle is a property of the whole graph"),
    (
        "duplicate_name",
        "a name in two sections: JSON Schema cannot compare keys across objects",
    ),
    (
        "expect_unknown_name",
        "a reference to a name defined elsewhere",
    ),
    (
        "init_huge",
        "the element count is a product of the shape's entries",
    ),
    ("nonfinite_div", "a value is computed"),
    ("nonfinite_exp", "a value is computed"),
    ("nonfinite_log", "a value is computed"),
    ("output_unknown", "a reference to a name defined elsewhere"),
    (
        "ragged_tensor",
        "rows of different lengths: JSON Schema cannot compare sibling lengths",
    ),
    ("self_loop", "a cycle is a property of the whole graph"),
    ("set_bad_yaml", "the spec is valid; the error is in --set"),
    ("set_node", "the spec is valid; the error is in --set"),
    ("set_space", "the spec is valid; the error is in --set"),
    (
        "set_unknown_name",
        "the spec is valid; the error is in --set",
    ),
    (
        "set_wrong_shape",
        "the spec is valid; the error is in --set",
    ),
    ("shape_add", "shapes need the graph"),
    ("shape_matmul", "shapes need the graph"),
    ("shape_mse", "shapes need the graph"),
    ("total_huge", "the element count of the whole graph"),
    ("unknown_name", "a reference to a name defined elsewhere"),
];

/// Fixtures that are not YAML a schema sees: the editor's YAML reader
/// reports them before any schema applies.
const NOT_YAML_DATA: &[(&str, &str)] = &[
    (
        "alias_bomb",
        "a parser budget; expanding it to JSON would be the attack itself",
    ),
    (
        "deep_nesting",
        "a parser depth budget; JSON Schema has no depth limit",
    ),
    (
        "duplicate_key",
        "a YAML error: a mapping with one key twice",
    ),
    (
        "literal_huge",
        "1e400 is a number to a schema; only f64 overflows",
    ),
    ("non_utf8", "not UTF-8 text"),
    ("indent_one_space", "a YAML syntax error"),
    ("indent_top_level_key", "a YAML syntax error"),
    ("tab_first_line", "a YAML syntax error"),
    ("tab_indent", "a YAML syntax error"),
    ("tab_under_inputs", "a YAML syntax error"),
    ("yaml_syntax", "a YAML syntax error"),
];

/// Validates each `(name, YAML text)` with the schema; returns the names
/// and, for each rejected one, the validator's first message.
fn validate(docs: &[(String, String)]) -> Option<Vec<(String, Option<String>)>> {
    let python = python::with(&["jsonschema"])?;
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root("schema/bpc-spec.json")).unwrap())
            .expect("the schema is JSON");
    let docs: Vec<serde_json::Value> = docs
        .iter()
        .map(|(name, text)| {
            let doc: serde_json::Value = if text.lines().all(|l| l.trim().is_empty()) {
                serde_json::Value::Null
            } else {
                // YAML 1.2 booleans (`y` is a name, not `true`), as editors read it.
                let options = serde_saphyr::options! { strict_booleans: true };
                serde_saphyr::from_str_with_options(text, options)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
            };
            serde_json::json!({ "name": name, "doc": doc })
        })
        .collect();
    let input = serde_json::json!({ "schema": schema, "docs": docs }).to_string();
    let out = python::run(&python, VALIDATE, &input);
    Some(
        out.lines()
            .map(|l| {
                let (name, verdict) = l.split_once('\t').expect("name<TAB>verdict");
                let error = verdict.strip_prefix("invalid ").map(String::from);
                (name.to_string(), error)
            })
            .collect(),
    )
}

/// Checks the schema against the draft 2020-12 meta-schema, then each doc.
const VALIDATE: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
data = json.load(sys.stdin)
Draft202012Validator.check_schema(data["schema"])
validator = Draft202012Validator(data["schema"])
for d in data["docs"]:
    errors = sorted(validator.iter_errors(d["doc"]), key=lambda e: list(e.path))
    verdict = "valid" if not errors else "invalid " + errors[0].message[:200].replace("\n", " ")
    print(d["name"] + "\t" + verdict)
"#;

/// `(file name, text)` of every `*.yaml` in a folder, sorted.
fn yaml_files(dir: &str) -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(root(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(p).unwrap_or_default())
        })
        .collect()
}

#[test]
fn committed_schema_is_what_bpc_schema_prints() {
    let (status, out, err) = bpc(&["schema"]);
    assert_eq!(status, 0, "{err}");
    let committed = std::fs::read_to_string(root("schema/bpc-spec.json")).unwrap();
    assert!(
        committed == out,
        "schema/bpc-spec.json is stale: run `cargo run -- schema > schema/bpc-spec.json`"
    );
}

#[test]
fn every_shipped_spec_names_the_schema_first() {
    for dir in ["specs", "exercises"] {
        for (name, text) in yaml_files(dir) {
            assert_eq!(text.lines().next(), Some(MODELINE), "{dir}/{name}.yaml");
        }
    }
    // The keys sit one folder deeper; `bpc handout` rewrites the path for its handouts.
    let deeper = MODELINE.replace("../schema", "../../schema");
    for (name, text) in yaml_files("exercises/keys") {
        assert_eq!(
            text.lines().next(),
            Some(deeper.as_str()),
            "exercises/keys/{name}.yaml"
        );
    }
    // The relative path works from both folders.
    assert!(Path::new(&root("specs/../schema/bpc-spec.json")).exists());
}

#[test]
fn schema_accepts_every_spec_and_exercise() {
    let docs: Vec<_> = ["specs", "exercises", "exercises/keys", "tests/grade"]
        .iter()
        .flat_map(|d| yaml_files(d))
        .collect();
    let Some(verdicts) = validate(&docs) else {
        return;
    };
    assert_eq!(verdicts.len(), docs.len());
    for (name, error) in verdicts {
        assert!(error.is_none(), "{name}: {error:?}");
    }
}

#[test]
fn schema_rejects_the_fixtures_it_can_express_and_accepts_the_rest() {
    let all = yaml_files("tests/errors");
    // Every fixture is in exactly one list, so a new one must be placed.
    for (name, _) in &all {
        let places = usize::from(REJECTED.contains(&name.as_str()))
            + usize::from(ACCEPTED.iter().any(|(n, _)| n == name))
            + usize::from(NOT_YAML_DATA.iter().any(|(n, _)| n == name));
        assert_eq!(places, 1, "tests/errors/{name}.yaml: put it in one list");
    }
    let docs: Vec<_> = all
        .into_iter()
        .filter(|(n, _)| !NOT_YAML_DATA.iter().any(|(m, _)| m == n))
        .collect();
    let Some(verdicts) = validate(&docs) else {
        return;
    };
    for (name, error) in verdicts {
        if REJECTED.contains(&name.as_str()) {
            assert!(error.is_some(), "{name}.yaml: the schema should reject it");
        } else {
            assert!(
                error.is_none(),
                "{name}.yaml: the schema should accept it: {error:?}"
            );
        }
    }
}
