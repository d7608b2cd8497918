//! `bpc explain`: the lesson's numbers, the chain along `--wrt` paths, the
//! perturbation experiment, and, for every spec and exercise, that the
//! contributions it lists add up to every gradient `bpc run` prints.

mod common;
use common::{bpc, rel, root};

use serde_json::Value as Json;

/// `bpc ARGS...`, which must succeed; its stdout.
fn ok(args: &[&str]) -> String {
    let (status, out, err) = bpc(args);
    assert_eq!(status, 0, "bpc {args:?}: {err}");
    out
}

/// `bpc explain SPEC ARGS...`.
fn explain(spec: &str, args: &[&str]) -> String {
    let spec = root(spec);
    let mut all = vec!["explain", spec.as_str()];
    all.extend_from_slice(args);
    ok(&all)
}

fn explain_json(spec: &str, args: &[&str]) -> Json {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&explain(spec, &all)).expect("explain --format json is one JSON object")
}

#[test]
fn fruit_shows_the_multiply_layers_backward() {
    let out = explain("specs/fruit.yaml", &[]);
    for line in [
        // forward, the numbers plugged in
        "  fruit_price = price_Y × n_X = 100 × 2 = 200\n",
        "  total_price = fruit_price × b_TAX = 200 × 1.1 = 220\n",
        // the output's step: each argument gets the other one
        "    d total_price / d fruit_price = b_TAX = 1.1\n",
        "    d total_price / d b_TAX = fruit_price = 200\n",
        // upstream 1.1 times the other input of the fruit layer
        "                              = 1.1 × n_X = 1.1 × 2 = 2.2\n",
        "    d total_price / d n_X = d total_price / d fruit_price × d fruit_price / d n_X = 1.1 × price_Y\n",
        "                          = 1.1 × 100 = 110\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
}

#[test]
fn perturb_compares_the_actual_change_with_the_prediction() {
    // 3 × 100 × 1.1 − 220 = 110, and d total / d n_X × 1 = 110.
    let out = explain("specs/fruit.yaml", &["--perturb", "n_X=3"]);
    assert!(
        out.contains("  total_price 220 -> 330: +110 (gradient predicts 110 × 1 = +110)\n"),
        "{out}"
    );
    assert!(out.contains("    actual change     +110\n"), "{out}");
    assert!(
        out.contains("    difference        0: the prediction is exact"),
        "{out}"
    );
    // 2 × 100 × 1.2 − 220 = 20, and d total / d b_TAX × 0.1 = 200 × 0.1 = 20.
    let out = explain("specs/fruit.yaml", &["--perturb", "b_TAX=1.2"]);
    assert!(
        out.contains("  total_price 220 -> 240: +20 (gradient predicts 200 × 0.1 = +20)\n"),
        "{out}"
    );
    let j = explain_json("specs/fruit.yaml", &["--perturb", "b_TAX=1.2"]);
    let p = &j["perturb"];
    assert!((p["actual"].as_f64().unwrap() - 20.0).abs() < 1e-9, "{p}");
    assert!(
        (p["predicted"].as_f64().unwrap() - 20.0).abs() < 1e-9,
        "{p}"
    );
    assert_eq!(p["exact"], true);
}

#[test]
fn perturbing_a_non_linear_spec_names_the_higher_order_part() {
    // y = σ(w x + b): w 0.8 -> 1 moves z by 0.3; σ curves, so the slope
    // 0.294918 × 0.2 = 0.0589836 overshoots the actual 0.0547764.
    let j = explain_json("specs/sigmoid_neuron.yaml", &["--perturb", "w=1"]);
    let p = &j["perturb"];
    let (actual, predicted) = (
        p["actual"].as_f64().unwrap(),
        p["predicted"].as_f64().unwrap(),
    );
    assert!((actual - 0.0547764).abs() < 1e-6, "{p}");
    assert!((predicted - 0.0589836).abs() < 1e-6, "{p}");
    assert_eq!(p["exact"], false);
    let out = explain("specs/sigmoid_neuron.yaml", &["--perturb", "w=1"]);
    assert!(out.contains("-0.00420718: the higher-order part"), "{out}");
}

#[test]
fn the_classic_network_chain_for_w5() {
    // d E/d w5 = d E/d out_o1 × d out_o1/d net_o1 × d net_o1/d w5
    //          = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
    let spec = "specs/two_layer_scalars.yaml";
    let out = explain(spec, &["--wrt", "w5", "--precision", "9"]);
    for row in [
        // d E_total / d out_o1 along the path
        "    ↓ out_o1   0.74136507 ",
        // d out_o1 / d net_o1, the sigmoid's local derivative
        "d out_o1 / d net_o1 = out_o1·(1 − out_o1)",
        "= 0.186815602\n",
        // d net_o1 / d w5, from net_o1 down
        "    ↓ net_o1   0.138498562          0.593269992 ",
        "d o1_in1 / d w5 = out_h1 = 0.593269992\n",
        "    product = 1 × 0.5 × (-1.48273014) × (-1) × 0.186815602 × 1 × 1 × 0.593269992 = 0.0821670406\n",
    ] {
        assert!(out.contains(row), "missing {row:?} in\n{out}");
    }
    // Grouped at the classic example's names.
    let out = explain(
        spec,
        &[
            "--wrt",
            "w5",
            "--node",
            "out_o1",
            "--node",
            "net_o1",
            "--precision",
            "9",
        ],
    );
    assert!(
        out.contains(
            "    d E_total / d w5 = d E_total / d out_o1 × d out_o1 / d net_o1 × d net_o1 / d w5\n\
             \x20                    = 0.74136507 × 0.186815602 × 0.593269992 = 0.0821670406\n"
        ),
        "{out}"
    );
    // The factors' product is the gradient bpc computes.
    let j = explain_json(spec, &["--wrt", "w5"]);
    let path = &j["paths"][0]["paths"][0];
    let product: f64 = path["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_f64().unwrap())
        .product();
    let grad = j["paths"][0]["grad"].as_f64().unwrap();
    assert!(
        (product - grad).abs() <= 1e-15 * grad.abs(),
        "{product} vs {grad}"
    );
    assert!((grad - 0.082167041).abs() < 5e-10, "{grad}");
}

#[test]
fn a_value_used_twice_adds_both_contributions() {
    // y = x*x + 4x + sin x at x = 3: 3 + 3 + 4 + cos 3, in the order of the reverse walk.
    let out = explain("specs/fanout.yaml", &[]);
    assert!(
        out.contains("  d y / d x = 4 + (-0.989992) + 3 + 3 = 9.01001  (x is used 4 times"),
        "{out}"
    );
    assert!(out.contains(
        "    d y / d x += d y / d sq × d sq / d x = 1 × x = 1 × 3 = 3  (as argument `a` of mul)"
    ));
    let out = explain("specs/fanout.yaml", &["--wrt", "x"]);
    assert!(out.contains("d y / d x: 4 paths from y down to x"), "{out}");
    assert!(
        out.contains("  sum over the 4 paths = 3 + 3 + 4 + (-0.989992) = 9.01001"),
        "{out}"
    );
}

#[test]
fn tensors_are_shown_with_shapes_and_broadcasting_in_words() {
    let out = explain("specs/softmax_ce.yaml", &[]);
    assert!(out.contains("([3, 2]ᵀ · [3, 3] → [2, 3])"), "{out}");
    assert!(
        out.contains("(summed over axis 0, where b [3] was broadcast to [3, 3])"),
        "{out}"
    );
    let out = explain("specs/two_layer.yaml", &[]);
    assert!(
        out.contains("summed over all 2 elements: b2 is a scalar, broadcast to [2]"),
        "{out}"
    );
    // iris: 150 rows are summarised, not printed.
    let out = explain("specs/iris.yaml", &[]);
    assert!(out.contains("(450 values in [150, 3], from "), "{out}");
}

#[test]
fn node_and_wrt_limit_the_listing() {
    let out = explain("specs/fruit.yaml", &["--node", "fruit_price"]);
    assert!(out.contains("  fruit_price = mul(price_Y, n_X)"), "{out}");
    assert!(!out.contains("  total_price = mul("), "{out}");
    let out = explain("specs/two_layer_scalars.yaml", &["--wrt", "w1"]);
    // w1 only reaches the output through h1: nothing of h2 is listed.
    assert!(!out.contains("h2_"), "{out}");
    assert!(out.contains("2 paths from E_total down to w1"), "{out}");
}

#[test]
fn unknown_names_are_usage_errors() {
    for (flag, arg) in [
        ("--wrt", "n_x"),
        ("--node", "fruit"),
        ("--perturb", "n_x=3"),
    ] {
        let (status, out, err) = bpc(&["explain", &root("specs/fruit.yaml"), flag, arg]);
        assert_eq!(status, 2, "{flag} {arg}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(flag) && err.contains("did you mean"), "{err}");
    }
}

#[test]
fn text_fits_in_100_columns() {
    insta::glob!("../specs", "*.yaml", |path| {
        let out = explain(&rel(path), &[]);
        for line in out.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= 100,
                "{}: {line}",
                rel(path)
            );
        }
    });
    let out = explain(
        "specs/two_layer_scalars.yaml",
        &["--wrt", "w5", "--precision", "9"],
    );
    for line in out.lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 100, "{line}");
    }
}

#[test]
fn text_has_no_colour_unless_asked() {
    let out = explain("specs/fruit.yaml", &[]);
    assert!(!out.contains('\x1b'), "{out}");
}

/// Every explained spec: the listed contributions add up to every gradient
/// of `bpc run`, every op has its formulas, every `--wrt` sums to the gradient.
fn check_contributions(path: &std::path::Path) {
    let spec = rel(path);
    let run: Json = serde_json::from_str(&ok(&["run", &root(&spec), "--format", "json"])).unwrap();
    let j = explain_json(&spec, &[]);
    let output = j["output"].as_str().unwrap();
    let grads = run["grads"].as_object().unwrap();
    // Sum every contribution to each name, in listing order.
    let mut sums: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for step in j["backward"].as_array().unwrap() {
        for f in ["template", "equation", "latex"] {
            for arg in step["args"].as_array().unwrap() {
                let text = arg[f].as_str().unwrap();
                assert!(!text.trim().is_empty(), "{spec}: {}: no {f}", step["op"]);
            }
        }
        for arg in step["args"].as_array().unwrap() {
            // No placeholder is left unfilled.
            let eq = arg["equation"].as_str().unwrap();
            assert!(!has_placeholder(eq), "{spec}: {eq}");
            let c = flat(&arg["contribution"]);
            let acc = sums
                .entry(arg["name"].as_str().unwrap().to_string())
                .or_insert_with(|| vec![0.0; c.len()]);
            for (a, x) in acc.iter_mut().zip(&c) {
                *a += x;
            }
        }
    }
    for f in j["forward"].as_array().unwrap() {
        let text = f["formula"].as_str().unwrap();
        assert!(
            !f["template"].as_str().unwrap().is_empty(),
            "{spec}: {}",
            f["op"]
        );
        assert!(!has_placeholder(text), "{spec}: {text}");
    }
    let unused: Vec<&str> = j["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    for (name, grad) in grads {
        let want = flat(grad);
        let got = if name == output {
            vec![1.0; want.len()]
        } else if unused.contains(&name.as_str()) {
            vec![0.0; want.len()]
        } else {
            sums.get(name)
                .cloned()
                .unwrap_or_else(|| panic!("{spec}: no contribution to `{name}`"))
        };
        close(&spec, name, &got, &want);
    }
    // Each leaf's paths add up to its gradient.
    for leaf in j["leaves"].as_array().unwrap() {
        let name = leaf["name"].as_str().unwrap();
        let w = explain_json(&spec, &["--wrt", name]);
        let paths = &w["paths"][0];
        let count: u128 = paths["count"].to_string().parse().unwrap();
        if count as usize <= paths["paths"].as_array().unwrap().len() {
            close(
                &spec,
                name,
                &flat(&paths["listed_sum"]),
                &flat(&grads[name]),
            );
        }
    }
}

/// `|got − want| ≤ 1e-12 × the largest |want|`, element by element.
fn close(spec: &str, name: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{spec}: {name}");
    let scale = want.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-12 * scale,
            "{spec}: d / d {name}: contributions sum to {g}, bpc run says {w}"
        );
    }
}

fn flat(v: &Json) -> Vec<f64> {
    match v {
        Json::Array(items) => items.iter().flat_map(flat).collect(),
        Json::Number(n) => vec![n.as_f64().unwrap()],
        other => panic!("not a number: {other}"),
    }
}

/// `<name>` left in a rendered formula.
fn has_placeholder(text: &str) -> bool {
    text.split('<').skip(1).any(|rest| {
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        !name.is_empty() && rest[name.len()..].starts_with('>')
    })
}

#[test]
fn every_spec_contributions_reproduce_run() {
    insta::glob!("../specs", "*.yaml", check_contributions);
}

#[test]
fn every_exercise_contributions_reproduce_run() {
    insta::glob!("../exercises", "*.yaml", check_contributions);
}

#[test]
fn every_spec_explained() {
    insta::glob!("../specs", "*.yaml", |path| {
        let spec = rel(path);
        insta::assert_snapshot!(explain(&spec, &[]));
    });
}

#[test]
fn every_spec_explained_in_markdown() {
    insta::glob!("../specs", "*.yaml", |path| {
        let spec = rel(path);
        insta::assert_snapshot!(explain(&spec, &["--format", "markdown"]));
    });
}

#[test]
fn every_exercise_explained() {
    insta::glob!("../exercises", "*.yaml", |path| {
        let spec = rel(path);
        insta::assert_snapshot!(explain(&spec, &[]));
    });
}

#[test]
fn colour_only_when_asked_and_the_same_text_underneath() {
    use bpc::explain::{Options, explain, text};
    let path = root("specs/fruit.yaml");
    let plan = bpc::load::load(
        std::path::Path::new(&path),
        &[],
        true,
        &mut bpc::timings::Timings::default(),
    )
    .expect("fruit loads");
    let eval = bpc::eval::evaluate(&plan);
    let ex = explain(&plan, &eval, Options::default(), None);
    let plain = text::render(&ex, text::TextOptions::default());
    let coloured = text::render(
        &ex,
        text::TextOptions {
            color: true,
            ..Default::default()
        },
    );
    assert!(!plain.contains('\x1b'));
    assert!(coloured.contains("\x1b[1m110\x1b[0m"), "{coloured}");
    // Without its escapes, the coloured text is the plain text: colour
    // takes no columns and wraps nothing differently.
    let mut stripped = String::new();
    let mut in_escape = false;
    for c in coloured.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, c) => stripped.push(c),
        }
    }
    assert_eq!(stripped, plain);
}

#[test]
fn text_from_the_spec_cannot_reach_the_terminal_raw() {
    let dir = std::env::temp_dir().join(format!("bpc-explain-escape-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("evil.yaml");
    std::fs::write(
        &path,
        "description: \"red \\e[31mALERT\\e[0m \\u202e\"\ninputs:\n  a: 1\nnodes:\n  b: add(a, a)\noutput: b\n",
    )
    .unwrap();
    let path = path.display().to_string();
    for format in ["text", "markdown", "json"] {
        let out = ok(&["explain", &path, "--format", format]);
        assert!(
            !out.contains('\x1b') && !out.contains('\u{202e}'),
            "{format}: {out}"
        );
    }
    let out = ok(&["explain", &path]);
    assert!(out.contains(r"red \x1b[31mALERT\x1b[0m \u{202e}"), "{out}");
    // b = a + a: both uses of a add up.
    assert!(
        out.contains("  d b / d a = 1 + 1 = 2  (a is used 2 times"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
