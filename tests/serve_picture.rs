//! `POST /api/run` with `dot_key`: when only numbers changed, the answer
//! carries each node's label cells instead of the DOT, and those cells put
//! into the shape the page already has give the new DOT byte for byte. The
//! server's part of the time is in a `Server-Timing` header.

mod common;
mod serve_common;

use serde_json::{Value, json};
use serve_common::{Fixture, post};

fn fruit_text() -> String {
    std::fs::read_to_string(common::root("specs/fruit.yaml")).unwrap()
}

/// `dot` with each node's `<TD>` contents replaced by `labels`' cells, in order.
fn fill(dot: &str, labels: &serde_json::Map<String, Value>) -> String {
    let mut lines: Vec<String> = dot.split('\n').map(str::to_string).collect();
    for (id, cells) in labels {
        let head = format!("  {} [", json!(id));
        let line = lines
            .iter_mut()
            .find(|l| l.starts_with(&head))
            .unwrap_or_else(|| panic!("no node line for {id}"));
        let mut out = String::new();
        let mut rest = line.as_str();
        for cell in cells.as_array().unwrap() {
            let open = rest.find("<TD>").expect("a cell") + "<TD>".len();
            let close = open + rest[open..].find("</TD>").unwrap();
            out.push_str(&rest[..open]);
            out.push_str(cell.as_str().unwrap());
            rest = &rest[close..];
        }
        assert!(!rest.contains("<TD>"), "{id}: more cells than labels");
        out.push_str(rest);
        *line = out;
    }
    lines.join("\n")
}

#[test]
fn a_numbers_only_change_sends_the_label_cells_instead_of_the_dot() {
    let f = Fixture::repo(&["specs"]);
    let run = |body: Value| {
        let r = post(&f, "/api/run", body);
        assert_eq!(r.status, 200, "{}", r.text);
        r
    };
    let first = run(json!({"spec": fruit_text(), "file": "specs/fruit.yaml"}));
    let key = first.json["dot_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 16, "{key}");
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    assert!(first.json["labels"].is_null());
    let dot = first.json["dot"].as_str().unwrap();

    // n_X = 3: the same shape, so the same key, and the cells alone.
    let set = json!({"spec": fruit_text(), "file": "specs/fruit.yaml", "set": {"n_X": 3}});
    let whole = run(set.clone());
    assert_eq!(whole.json["dot_key"], json!(key));
    let mut with_key = set.clone();
    with_key["dot_key"] = json!(key);
    let cells = run(with_key);
    assert!(cells.json["dot"].is_null());
    assert_eq!(cells.json["dot_key"], json!(key));
    let labels = cells.json["labels"].as_object().unwrap();
    // Every node with a label, and its texts: name, kind, value, gradient.
    assert_eq!(labels.len(), 5);
    assert_eq!(
        labels["total_price"],
        json!([
            "<B>total_price</B>",
            "<FONT COLOR=\"#6b7280\" POINT-SIZE=\"10\">mul · output</FONT>",
            "330",
            "<FONT COLOR=\"#c0392b\">∂ 1</FONT>"
        ])
    );
    // The rest of the answer is the same as without the key.
    for k in ["values", "grads", "rows", "compare", "exit"] {
        assert_eq!(cells.json[k], whole.json[k], "{k}");
    }
    // The cells in the first answer's shape: the new DOT, byte for byte.
    assert_eq!(fill(dot, labels), whole.json["dot"].as_str().unwrap());
    assert_ne!(whole.json["dot"].as_str().unwrap(), dot);

    // Another shape (the output changed) or an unknown key: the whole DOT.
    let other = fruit_text().replace("output: total_price", "output: fruit_price");
    assert_ne!(other, fruit_text());
    let moved = run(json!({"spec": other, "file": "specs/fruit.yaml", "dot_key": key}));
    assert!(moved.json["dot"].as_str().unwrap().starts_with("digraph"));
    assert!(moved.json["labels"].is_null());
    assert_ne!(moved.json["dot_key"], json!(key));
    let unknown = run(json!({"spec": fruit_text(), "dot_key": "0123456789abcdef"}));
    assert_eq!(unknown.json["dot"], first.json["dot"]);
    assert!(unknown.json["labels"].is_null());

    // A key that is not a string is a bad request.
    let r = post(&f, "/api/run", json!({"spec": fruit_text(), "dot_key": 5}));
    assert_eq!(r.status, 400, "{}", r.text);
}

#[test]
fn the_server_reports_its_time_in_server_timing() {
    let f = Fixture::repo(&["specs"]);
    let r = post(&f, "/api/run", json!({"spec": fruit_text()}));
    assert_eq!(r.status, 200, "{}", r.text);
    let timing = &r.headers["server-timing"];
    // `work;dur=1.23, total;dur=1.45`: milliseconds, the work within the total.
    let durs: Vec<f64> = timing
        .split(", ")
        .zip(["work;dur=", "total;dur="])
        .map(|(part, name)| {
            part.strip_prefix(name)
                .unwrap_or_else(|| panic!("{timing}"))
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(durs.len(), 2, "{timing}");
    assert!(0.0 < durs[0] && durs[0] <= durs[1], "{timing}");
}
