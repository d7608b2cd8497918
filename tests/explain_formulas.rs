//! Every op of the table can be explained: its result and each argument's
//! derivative are formulas in the table, they name only what exists, and
//! `bpc explain` renders them for a spec using the op with every
//! placeholder filled in. A new op without its explanation fails here.

mod common;
use common::bpc;

use bpc::op::{AttrDefault, AttrKind, AttrValue, Attrs, Dims, Formula, OPS, Op, OpDef};

/// The op an entry builds with its defaults.
fn default_op(def: &OpDef) -> Op {
    (def.build)(&def.defaults())
}

fn sorted(template: &str) -> Vec<&str> {
    let mut p = Formula::placeholders(template);
    p.sort();
    p.dedup();
    p
}

#[test]
fn every_op_has_its_result_as_a_formula_of_all_its_arguments() {
    for def in OPS {
        let f = &def.formula;
        assert!(!f.text.trim().is_empty(), "{}: no formula", def.name);
        assert!(!f.latex.trim().is_empty(), "{}: no LaTeX formula", def.name);
        let known: Vec<&str> = def
            .args
            .iter()
            .map(|a| a.name)
            .chain(def.attrs.iter().map(|a| a.name))
            .collect();
        for template in [f.text, f.latex] {
            for p in Formula::placeholders(template) {
                assert!(
                    known.contains(&p),
                    "{}: `<{p}>` in `{template}` is not an argument or attribute",
                    def.name
                );
            }
            for arg in def.args {
                assert!(
                    Formula::placeholders(template).contains(&arg.name),
                    "{}: `{template}` does not use `{}`",
                    def.name,
                    arg.name
                );
            }
        }
        assert_eq!(sorted(f.text), sorted(f.latex), "{}", def.name);
    }
}

#[test]
fn attrs_give_back_what_build_was_given() {
    for def in OPS {
        let op = default_op(def);
        assert_eq!((def.build)(&op.attrs()), op, "{}", def.name);
        // Another value of every attribute survives the round trip too.
        let other = Attrs(
            def.attrs
                .iter()
                .map(|a| match a.kind {
                    AttrKind::Number => Some(AttrValue::Number(0.25)),
                    AttrKind::Axis => Some(AttrValue::Int(0)),
                    AttrKind::Index => Some(AttrValue::Int(1)),
                    AttrKind::Shape => Dims::new(&[2, -1]).map(AttrValue::Shape),
                })
                .collect(),
        );
        let op = (def.build)(&other);
        assert_eq!((def.build)(&op.attrs()), op, "{}", def.name);
        assert_eq!(op.attrs().0.len(), def.attrs.len(), "{}", def.name);
    }
}

/// Argument shapes to try, in order, until the op accepts one.
const SHAPES: &[&[&[usize]]] = &[
    &[&[], &[], &[]],
    &[&[2], &[2], &[2]],
    &[&[2], &[2, 2], &[2]],
    &[&[2, 2], &[2, 2], &[2]],
];

/// A value of `shape` for a spec, every element in (0, 1) (inside every
/// op's domain: logs, square roots, probabilities).
fn yaml_value(shape: &[usize], seed: usize) -> String {
    let x = |k: usize| 0.2 + 0.6 * (((seed * 7 + k * 3) % 10) as f64) / 10.0;
    match shape {
        [] => format!("{}", x(0)),
        [n] => format!(
            "[{}]",
            (0..*n)
                .map(|k| x(k).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        [r, c] => format!(
            "[{}]",
            (0..*r)
                .map(|i| format!(
                    "[{}]",
                    (0..*c)
                        .map(|k| x(i * c + k).to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => unreachable!("shapes here have rank 2 at most"),
    }
}

#[test]
fn every_op_is_explained_with_every_placeholder_filled() {
    let dir = std::env::temp_dir().join(format!("bpc-explain-ops-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for def in OPS {
        // Attributes without a default get values: positions 0, 1, ... (index's
        // i, slice's start and stop), reshape's shape [-1].
        let mut attrs = def.defaults();
        let mut given = String::new();
        for (k, a) in def.attrs.iter().enumerate() {
            if a.default != AttrDefault::Required {
                continue;
            }
            let (value, text) = match a.kind {
                AttrKind::Shape => (Dims::new(&[-1]).map(AttrValue::Shape), "[-1]".to_string()),
                AttrKind::Number => (Some(AttrValue::Number(0.5)), "0.5".to_string()),
                AttrKind::Axis | AttrKind::Index => {
                    (Some(AttrValue::Int(k as isize)), k.to_string())
                }
            };
            attrs.0[k] = value;
            given.push_str(&format!(", {}={text}", a.name));
        }
        let op = (def.build)(&attrs);
        let arity = def.args.len();
        let shapes = SHAPES
            .iter()
            .map(|s| &s[..arity])
            .find(|s| op.infer_shape(s).is_ok())
            .unwrap_or_else(|| panic!("{}: no test shape fits", def.name));
        let mut spec = String::from("inputs:\n");
        let names: Vec<String> = (0..arity).map(|k| format!("a{k}")).collect();
        for (k, shape) in shapes.iter().enumerate() {
            spec.push_str(&format!("  a{k}: {}\n", yaml_value(shape, k)));
        }
        spec.push_str(&format!(
            "nodes:\n  y: {}({}{given})\noutput: y\n",
            def.name,
            names.join(", ")
        ));
        let path = dir.join(format!("{}.yaml", def.name));
        std::fs::write(&path, &spec).unwrap();
        let path = path.display().to_string();
        for format in ["text", "markdown", "json"] {
            let (status, out, err) = bpc(&["explain", &path, "--format", format]);
            assert_eq!(status, 0, "{}: {err}\n{spec}", def.name);
            // JSON gives each raw template too, under "template".
            let rendered = if format == "json" {
                let mut j: serde_json::Value = serde_json::from_str(&out).unwrap();
                drop_templates(&mut j);
                j.to_string()
            } else {
                out.clone()
            };
            assert!(
                !leftover(&rendered),
                "{} ({format}): a placeholder is left:\n{out}",
                def.name
            );
            for name in &names {
                assert!(
                    out.contains(name.as_str()),
                    "{} ({format}): no {name}\n{out}",
                    def.name
                );
            }
        }
        let (_, json, _) = bpc(&["explain", &path, "--format", "json"]);
        let j: serde_json::Value = serde_json::from_str(&json).unwrap();
        let step = &j["backward"][0];
        assert_eq!(step["node"], "y", "{}", def.name);
        assert_eq!(
            step["args"].as_array().map(|a| a.len()),
            Some(arity),
            "{}: one term per argument",
            def.name
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `<name>` left in rendered text.
fn leftover(text: &str) -> bool {
    text.split('<').skip(1).any(|rest| {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        !name.is_empty() && rest[name.len()..].starts_with('>')
    })
}

/// Removes every "template" field.
fn drop_templates(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("template");
            m.values_mut().for_each(drop_templates);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_templates),
        _ => {}
    }
}
