//! The op table is complete and consistent: every entry builds its own op,
//! parses back from its name, and describes every argument.

use std::collections::HashSet;

use bpc::op::{
    AttrDefault, AttrKind, AttrValue, Attrs, Dims, Formula, Grad, Hazard, OPS, Op, OpDef, op_def,
};

/// The op an entry builds with its defaults.
fn default_op(def: &OpDef) -> Op {
    (def.build)(&def.defaults())
}

#[test]
fn every_entry_builds_an_op_that_points_back_at_it() {
    for &def in OPS {
        let op = default_op(def);
        assert!(
            std::ptr::eq(op.def(), def),
            "`{}` builds {op:?}, whose entry is `{}`",
            def.name,
            op.def().name
        );
        assert_eq!(op.name(), def.name);
        assert_eq!(op.arity(), def.args.len(), "{}", def.name);
        let parsed = op_def(def.name).unwrap_or_else(|| panic!("`{}` does not parse", def.name));
        assert!(
            std::ptr::eq(parsed, def),
            "`{}` parses to another entry",
            def.name
        );
    }
}

#[test]
fn names_are_unique_and_look_like_spec_names() {
    let mut seen = HashSet::new();
    for def in OPS {
        assert!(
            seen.insert(def.name),
            "`{}` is in the table twice",
            def.name
        );
        assert!(
            def.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "`{}`",
            def.name
        );
    }
    assert!(op_def("no_such_op").is_none());
}

#[test]
fn every_entry_describes_the_op() {
    for def in OPS {
        let name = def.name;
        assert!(!def.summary.trim().is_empty(), "{name}: summary");
        assert!(!def.shape.trim().is_empty(), "{name}: shape rule");
        assert!(!def.nan_cause.trim().is_empty(), "{name}: NaN cause");
        assert!(!def.args.is_empty(), "{name}: no arguments");
        let mut arg_names = HashSet::new();
        for arg in def.args {
            assert!(
                arg_names.insert(arg.name),
                "{name}: argument `{}` twice",
                arg.name
            );
            let f = arg.grad.formula();
            assert!(!f.text.trim().is_empty(), "{name}: d/d{} text", arg.name);
            assert!(!f.latex.trim().is_empty(), "{name}: d/d{} LaTeX", arg.name);
        }
        for hazard in def.hazards {
            let arg = match *hazard {
                Hazard::KinkAtZero { arg } | Hazard::PickChanged { arg } => arg,
                Hazard::KinkWhereEqual { a, b } => a.max(b),
                Hazard::ClassIndex { target, logits } => target.max(logits),
            };
            assert!(
                arg < def.args.len(),
                "{name}: a hazard names argument {arg}"
            );
        }
    }
}

#[test]
fn formulas_name_only_arguments_attributes_out_and_g() {
    for def in OPS {
        let op = default_op(def);
        let known: Vec<&str> = def
            .args
            .iter()
            .map(|a| a.name)
            .chain(def.attrs.iter().map(|a| a.name))
            .chain(["out", "g"])
            .collect();
        for arg in def.args {
            let f = arg.grad.formula();
            for template in [f.text, f.latex] {
                for p in Formula::placeholders(template) {
                    assert!(
                        known.contains(&p),
                        "{}: d/d{}: `<{p}>` in `{template}` is not an argument, an attribute, \
                         `out` or `g`",
                        def.name,
                        arg.name
                    );
                }
            }
            // The text and the LaTeX use the same placeholders.
            let mut a = Formula::placeholders(f.text);
            let mut b = Formula::placeholders(f.latex);
            a.sort();
            a.dedup();
            b.sort();
            b.dedup();
            assert_eq!(a, b, "{}: d/d{}", def.name, arg.name);
            // Elementwise ops give ∂out/∂arg, tensor ops the gradient in terms of g.
            match (op, arg.grad) {
                (Op::Map(_), Grad::Local(f)) => {
                    assert!(!f.text.contains("<g>"), "{}: local, without g", def.name)
                }
                (Op::Map(_), Grad::Vjp(_)) => panic!("{}: elementwise, so local", def.name),
                (_, Grad::Vjp(f)) => assert!(f.text.contains("<g>"), "{}: in terms of g", def.name),
                (_, Grad::Local(_)) => panic!("{}: a tensor op's gradient is a VJP", def.name),
            }
        }
    }
}

#[test]
fn formulas_render_with_names_substituted() {
    let div = op_def("div").unwrap();
    let names = |p: &str| match p {
        "a" => Some("price".to_string()),
        "b" => Some("count".to_string()),
        _ => None,
    };
    assert_eq!(div.args[0].grad.formula().render(false, names), "1/count");
    assert_eq!(
        div.args[1].grad.formula().render(false, names),
        "−price/count²"
    );
    assert_eq!(
        div.args[1].grad.formula().render(true, names),
        r"-\frac{price}{count^2}"
    );
    // Unknown placeholders stay as written; `<` that opens no name is text.
    let relu = op_def("relu").unwrap().args[0].grad.formula();
    assert_eq!(relu.render(false, |_| None), "1 if <x> > 0, else 0");
    assert_eq!(
        relu.render(false, |p| (p == "x").then(|| "z".into())),
        "1 if z > 0, else 0"
    );
}

/// Every attribute, given a value other than its default, shows in the op's
/// display: the entry's `build` reads the attributes it says it reads.
#[test]
fn builds_read_their_attributes() {
    for def in OPS {
        if def.attrs.is_empty() {
            continue;
        }
        let mut attrs: Attrs = def.defaults();
        let mut shown = Vec::new();
        for (i, attr) in def.attrs.iter().enumerate() {
            let (value, text) = match attr.kind {
                AttrKind::Axis => (AttrValue::Int(1), "1".to_string()),
                AttrKind::Index => (AttrValue::Int(i as isize + 2), format!("{}", i + 2)),
                AttrKind::Number => {
                    let x = 0.25 * (i + 1) as f64;
                    (AttrValue::Number(x), format!("{x}"))
                }
                AttrKind::Shape => (
                    AttrValue::Shape(Dims::new(&[3, -1]).unwrap()),
                    "[3, -1]".into(),
                ),
            };
            assert_ne!(attr.default, AttrDefault::Value(value), "{}", def.name);
            attrs.0[i] = Some(value);
            shown.push(format!("{}={text}", attr.name));
        }
        let op = (def.build)(&attrs);
        assert_eq!(
            op.display(),
            format!("{}({})", def.name, shown.join(", ")),
            "{}: built {op:?}",
            def.name
        );
    }
}

#[test]
fn usage_lines_show_arguments_and_defaults() {
    let usage = |name: &str| op_def(name).unwrap().usage();
    assert_eq!(usage("mul"), "mul(a, b)");
    assert_eq!(usage("affine"), "affine(x, W, b)");
    assert_eq!(usage("sum"), "sum(x, axis=all)");
    assert_eq!(usage("softmax"), "softmax(x, axis=-1)");
    assert_eq!(usage("leaky_relu"), "leaky_relu(x, alpha=0.01)");
}

/// The scalar fast path walks a `Vec<Step>`: an op's attributes (a reshape
/// target included) and the arguments of variadic ops must not make it wider.
#[test]
fn ops_and_steps_stay_small() {
    assert!(
        std::mem::size_of::<Op>() <= 24,
        "{}",
        std::mem::size_of::<Op>()
    );
    let step = std::mem::size_of::<bpc::plan::Step>();
    assert!(step <= 56, "{step}");
}
