//! The lesson's experiment, "change the init data": the output's old and new
//! value, the actual change, and the change the gradient predicts
//! (gradient × change, summed over the changed inputs), in `bpc run --set`.

mod common;
use common::{bpc, root};

/// `bpc run SPEC ARGS...` in the table format; its stdout.
fn run(spec: &str, args: &[&str]) -> String {
    let spec = root(spec);
    let mut all = vec!["run", spec.as_str()];
    all.extend_from_slice(args);
    let (status, out, err) = bpc(&all);
    assert_eq!(status, 0, "{err}");
    out
}

#[test]
fn run_set_compares_with_the_files_values() {
    // 3 × 100 × 1.1 = 330; d total / d n_X = 110, so one more fruit adds 110 × 1.
    let out = run("specs/fruit.yaml", &["--set", "n_X=3"]);
    let head: Vec<&str> = out.lines().take(3).collect();
    assert_eq!(
        head,
        [
            "spec `fruit` with n_X = 3 instead of 2",
            "output `total_price` = 330",
            "total_price 220 -> 330: +110 (gradient predicts 110 × 1 = +110)",
        ]
    );
    // 2 × 100 × 1.2 = 240; d total / d b_TAX = 200, so 0.1 more tax adds 200 × 0.1.
    let out = run("specs/fruit.yaml", &["--set", "b_TAX=1.2"]);
    assert!(
        out.contains("total_price 220 -> 240: +20 (gradient predicts 200 × 0.1 = +20)\n"),
        "{out}"
    );
    // The file's description (2 fruits x price 100 x tax 1.1) is no longer true.
    assert!(!out.contains("2 fruits x price 100"), "{out}");
}

#[test]
fn run_set_names_the_higher_order_part() {
    // 3 × 100 × 1.2 = 360 = 220 + 110 + 20 + 100 × 1 × 0.1 (the cross term).
    let out = run(
        "specs/fruit.yaml",
        &["--set", "n_X=3", "--set", "b_TAX=1.2"],
    );
    assert!(
        out.contains(
            "total_price 220 -> 360: +140 (gradient predicts 110 × 1 + 200 × 0.1 = +130); \
             the other +10 is the higher-order part\n"
        ),
        "{out}"
    );
}

#[test]
fn run_without_set_and_json_are_unchanged() {
    let out = run("specs/fruit.yaml", &[]);
    assert!(
        out.starts_with("spec `fruit`: 2 fruits x price 100 x tax 1.1\n"),
        "{out}"
    );
    let json = run("specs/fruit.yaml", &["--set", "n_X=3", "--format", "json"]);
    assert!(!json.contains("gradient predicts"), "{json}");
}

#[test]
fn run_set_snapshots() {
    let cases: &[(&str, &[&str])] = &[
        ("specs/fruit.yaml", &["--set", "n_X=3"]),
        ("specs/two_layer.yaml", &["--set", "x=[1, 0]"]),
        ("specs/sigmoid_neuron.yaml", &["--set", "w=1"]),
    ];
    let mut all = String::new();
    for (spec, args) in cases {
        all.push_str(&format!("$ bpc run {spec} {}\n", args.join(" ")));
        all.push_str(&run(spec, args));
        all.push('\n');
    }
    insta::assert_snapshot!(all);
}
