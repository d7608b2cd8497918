//! `bpc serve`'s API, in-process (tower's `oneshot` on the router): values
//! and gradients as `bpc run --format json` gives them, diagnostics as the
//! CLI renders them with their line and column, and every safety rule
//! (paths, hosts, body size, saving). Training streams are in
//! `serve_train.rs`.

mod common;
mod serve_common;

use common::bpc;
use serde_json::{Value, json};
use serve_common::{Fixture, Reply, get, post, post_raw};

fn fruit_text() -> String {
    std::fs::read_to_string(common::root("specs/fruit.yaml")).unwrap()
}

#[test]
fn run_gives_the_cli_json_plus_dot_and_rows() {
    let f = Fixture::repo(&["specs"]);
    let r = post(
        &f,
        "/api/run",
        json!({"spec": fruit_text(), "file": "specs/fruit.yaml"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    // The same values and gradients, bit for bit, as `bpc run --format json`.
    let (status, cli, _) = bpc(&["run", "specs/fruit.yaml", "--format", "json"]);
    assert_eq!(status, 0);
    let cli: Value = serde_json::from_str(&cli).unwrap();
    for key in ["name", "output", "values", "grads"] {
        assert_eq!(r.json[key], cli[key], "{key}");
    }
    // 2 x 100 x 1.1 = 220; d total / d n_X = 1.1 x 100 = 110.
    assert_eq!(r.json["values"]["total_price"], json!(220.00000000000003));
    assert_eq!(r.json["grads"]["n_X"], json!(110.00000000000001));
    assert_eq!(r.json["exit"], 0);
    assert!(r.json["compare"].is_null());
    // The DOT is what `bpc dot` writes.
    let (_, dot, _) = bpc(&["dot", "specs/fruit.yaml"]);
    assert_eq!(r.json["dot"], json!(dot));
    let rows = r.json["rows"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["n_X", "price_Y", "b_TAX", "fruit_price", "total_price"]
    );
    assert_eq!(rows[3]["op"], "mul");
    assert_eq!(rows[3]["args"], json!(["price_Y", "n_X"]));
    assert_eq!(rows[0]["value_lines"], json!(["2"]));
    assert_eq!(rows[0]["grad_lines"], json!(["110"]));
}

#[test]
fn set_changes_an_input_and_compares_with_the_gradient() {
    let f = Fixture::repo(&["specs"]);
    let r = post(
        &f,
        "/api/run",
        json!({"spec": fruit_text(), "file": "specs/fruit.yaml", "set": {"n_X": 3}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    // 3 x 100 x 1.1 = 330, 110 more: the gradient 110 times the change 1.
    assert_eq!(r.json["values"]["total_price"], json!(330.0));
    assert_eq!(
        r.json["compare"]["line"],
        "total_price 220 -> 330: +110 (gradient predicts 110 × 1 = +110)"
    );
    // The line is the one `bpc run --set` prints.
    let (_, table, _) = bpc(&["run", "specs/fruit.yaml", "--set", "n_X=3"]);
    assert!(
        table.contains(r.json["compare"]["line"].as_str().unwrap()),
        "{table}"
    );
    // A set value of the wrong shape is the CLI's --set error.
    let r = post(
        &f,
        "/api/run",
        json!({"spec": fruit_text(), "file": "specs/fruit.yaml", "set": {"n_X": [1, 2]}}),
    );
    assert_eq!(r.status, 422);
    let (status, _, stderr) = bpc(&["run", "specs/fruit.yaml", "--set", "n_X=[1,2]"]);
    assert_eq!(status, 2);
    assert_eq!(r.json["stderr"], json!(stderr));
    assert_eq!(r.json["diagnostics"][0]["in_spec"], json!(false));
}

#[test]
fn errors_are_the_cli_messages_with_line_and_column() {
    let f = Fixture::repo(&["tests/errors"]);
    let mut checked = 0;
    for entry in std::fs::read_dir(common::root("tests/errors")).unwrap() {
        let path = entry.unwrap().path();
        let name = format!(
            "tests/errors/{}",
            path.file_name().unwrap().to_string_lossy()
        );
        // `.args` fixtures need command-line flags; non-UTF-8 text cannot be JSON.
        if path.extension().is_none_or(|e| e != "yaml")
            || path.with_extension("args").exists()
            || name.contains("non_utf8")
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (status, _, _) = bpc(&["run", &name]);
        let r = post(&f, "/api/run", json!({"spec": text, "file": name}));
        assert_eq!(r.json["exit"], json!(status), "{name}: {}", r.text);
        assert_eq!(r.status, if status == 2 { 422 } else { 200 }, "{name}");
        // Exactly what the terminal shows, without colour; a non-finite
        // value is a warning, everything shown as with --allow-nonfinite.
        let (_, _, stderr) = bpc(&["run", &name, "--allow-nonfinite"]);
        assert_eq!(r.json["stderr"], json!(stderr), "{name}");
        checked += 1;
    }
    assert!(checked > 30, "only {checked} fixtures");
}

#[test]
fn a_syntax_error_points_at_its_line_and_column() {
    let f = Fixture::repo(&["specs"]);
    let text = fruit_text().replace("  price_Y: 100", "  price_Y: [100");
    let r = post(
        &f,
        "/api/run",
        json!({"spec": text, "file": "specs/fruit.yaml"}),
    );
    assert_eq!(r.status, 422);
    let d = &r.json["diagnostics"][0];
    let line = text.lines().position(|l| l == "  price_Y: [100").unwrap() + 1;
    assert_eq!(d["kind"], "yaml");
    assert_eq!(d["in_spec"], json!(true));
    assert_eq!(d["file"], "specs/fruit.yaml");
    // The parser notices the unclosed list at the next key's `:`.
    let column = "  b_TAX:".len();
    assert_eq!(d["line"], json!(line + 1), "{d}");
    assert_eq!(d["column"], json!(column), "{d}");
    let rendered = d["rendered"].as_str().unwrap();
    let at = format!("[specs/fruit.yaml:{}:{column}]", line + 1);
    assert!(rendered.contains(&at), "{rendered}");

    // An unknown name: the call's argument, with a suggestion.
    let text = fruit_text().replace("mul(price_Y, n_X)", "mul(price_Y, n_x)");
    let r = post(&f, "/api/run", json!({"spec": text}));
    assert_eq!(r.status, 422);
    let d = &r.json["diagnostics"][0];
    let line = text.lines().position(|l| l.contains("n_x)")).unwrap() + 1;
    let column = text.lines().nth(line - 1).unwrap().find("n_x").unwrap() + 1;
    assert_eq!(
        (d["line"].clone(), d["column"].clone()),
        (json!(line), json!(column))
    );
    assert_eq!(d["end_column"], json!(column + 3));
    assert_eq!(d["file"], "untitled.yaml");
    assert!(d["help"].as_str().unwrap().contains("`n_X`"), "{d}");
}

#[test]
fn files_are_listed_and_read_only_inside_the_served_folders() {
    let f = Fixture::temp();
    let r = get(&f, "/api/specs");
    assert_eq!(r.status, 200);
    let names: Vec<&str> = r.json["specs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // The symlink that leads out is not listed; nor are hidden files.
    assert_eq!(
        names,
        [
            "served/data_out.yaml",
            "served/iris.yaml",
            "served/sub/fruit.yaml"
        ]
    );
    let r = get(&f, "/api/spec?file=served/sub/fruit.yaml");
    assert_eq!(r.status, 200);
    assert_eq!(r.json["text"], json!(fruit_text()));
    for (name, status) in [
        ("served/../outside/secret.yaml", 403),
        ("served/sub/../../outside/secret.yaml", 403),
        ("/etc/passwd", 403),
        ("%2Fetc%2Fpasswd", 403),
        ("served/link_out.yaml", 403),
        ("served/linkdir/secret.yaml", 403),
        ("served/.hidden.yaml", 403),
        ("served/notes.txt", 403),
        ("served/none.yaml", 404),
        ("outside/secret.yaml", 404),
        ("", 404),
    ] {
        let r = get(&f, &format!("/api/spec?file={name}"));
        assert_eq!(r.status, status, "{name}: {}", r.text);
        assert!(!r.text.contains("secret value"), "{name} leaked");
    }
}

#[test]
fn data_files_are_read_only_inside_the_served_folders() {
    let f = Fixture::temp();
    let read = |name: &str| get(&f, &format!("/api/spec?file={name}")).json["text"].clone();
    let iris = read("served/iris.yaml");
    let r = post(
        &f,
        "/api/run",
        json!({"spec": iris, "file": "served/iris.yaml"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["values"]["x"], json!([[1.0, 2.0], [3.0, 4.0]]));
    let out = read("served/data_out.yaml");
    let r = post(
        &f,
        "/api/run",
        json!({"spec": out, "file": "served/data_out.yaml"}),
    );
    assert_eq!(r.status, 422);
    assert!(!r.text.contains("secret value"), "{}", r.text);
    let d = &r.json["diagnostics"][0];
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("outside the folders"),
        "{d}"
    );
    assert_eq!(d["line"], json!(2));
    // Without a file, a relative CSV path has no folder to start from.
    let r = post(&f, "/api/run", json!({"spec": iris}));
    assert_eq!(r.status, 422);
    assert!(r.text.contains("the spec has no file"), "{}", r.text);
}

#[test]
fn requests_from_elsewhere_and_oversized_bodies_are_refused() {
    let f = Fixture::repo(&["specs"]);
    let body = json!({"spec": fruit_text()}).to_string();
    let ok = post_raw(&f, "/api/run", &body, &[]);
    assert_eq!(ok.status, 200);
    for (headers, why) in [
        (vec![("host", "evil.example:80")], "DNS rebinding"),
        (vec![("host", "127.0.0.1:9")], "another port"),
        (vec![("origin", "http://evil.example")], "another site"),
        (vec![("sec-fetch-site", "cross-site")], "another site"),
        (vec![("content-type", "text/plain")], "a form"),
    ] {
        let r = post_raw(&f, "/api/run", &body, &headers);
        assert_eq!(r.status, 403, "{why}: {}", r.text);
    }
    let origin = format!("http://{}", f.host);
    let r = post_raw(&f, "/api/run", &body, &[("origin", &origin)]);
    assert_eq!(r.status, 200, "own origin");
    // 1 MiB of spec text at most (and a little for the JSON around it).
    let big = json!({"spec": format!("# {}\n{}", "x".repeat(1 << 21), fruit_text())});
    let r = post_raw(&f, "/api/run", &big.to_string(), &[]);
    assert_eq!(r.status, 413);
    // Said in JSON, as every refusal of the API.
    let refusal: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert!(
        refusal["error"]
            .as_str()
            .unwrap()
            .contains("at most 1048576 bytes"),
        "{}",
        r.text
    );
    // A text just over 1 MiB fits in a body but is refused all the same,
    // by every route that takes a text.
    let over = format!("# {}\n{}", "x".repeat(1 << 20), fruit_text());
    for (route, body) in [
        ("/api/run", json!({"spec": over})),
        ("/api/explain", json!({"spec": over})),
        ("/api/train", json!({"spec": over})),
        ("/api/save", json!({"spec": over, "file": "specs/big.yaml"})),
    ] {
        let r = post_raw(&f, route, &body.to_string(), &[]);
        assert_eq!(r.status, 413, "{route}: {}", r.text);
        assert!(
            r.text.contains("at most 1048576 bytes"),
            "{route}: {}",
            r.text
        );
    }
    assert!(!std::path::Path::new("specs/big.yaml").exists());
    let r = post_raw(&f, "/api/run", "{not json", &[]);
    assert_eq!(r.status, 400);
    let r = post_raw(
        &f,
        "/api/run",
        &json!({"spec": "", "nope": 1}).to_string(),
        &[],
    );
    assert_eq!(r.status, 400, "unknown fields are refused");
}

#[test]
fn saving_writes_yaml_files_in_served_folders_and_asks_before_replacing() {
    let f = Fixture::temp();
    let dir = f.dir.join("served");
    let text = "inputs: { a: 1 }\nnodes: { b: neg(a) }\noutput: b\n";
    let save = |body: Value| post(&f, "/api/save", body);
    let r = save(json!({"file": "served/sub/new.yaml", "spec": text}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["replaced"], json!(false));
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/new.yaml")).unwrap(),
        text
    );
    // Not over an existing file unless asked...
    let r = save(json!({"file": "served/sub/fruit.yaml", "spec": text}));
    assert_eq!(r.status, 409);
    assert_eq!(r.json["exists"], json!(true));
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/fruit.yaml")).unwrap(),
        fruit_text()
    );
    // ... and then, atomically, leaving no temporary file behind.
    let r = save(json!({"file": "served/sub/fruit.yaml", "spec": text, "overwrite": true}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["replaced"], json!(true));
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/fruit.yaml")).unwrap(),
        text
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("sub"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    for (name, status) in [
        ("served/x.yml", 403),
        ("served/x.txt", 403),
        ("served/x", 403),
        ("served/../outside/x.yaml", 403),
        ("outside/x.yaml", 403),
        ("served/linkdir/x.yaml", 403),
        ("served/link_out.yaml", 403),
        ("served/.x.yaml", 403),
        ("served/no/such/dir.yaml", 404),
    ] {
        let r = save(json!({"file": name, "spec": text, "overwrite": true}));
        assert_eq!(r.status, status, "{name}: {}", r.text);
    }
    // A hard link inside to a file outside: writing it would change the
    // file outside, so it is refused.
    std::fs::hard_link(f.dir.join("outside/secret.yaml"), dir.join("hard_out.yaml")).unwrap();
    let r = save(json!({"file": "served/hard_out.yaml", "spec": text, "overwrite": true}));
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("hard links"), "{}", r.text);
    assert_eq!(
        std::fs::read_to_string(f.dir.join("outside/secret.yaml")).unwrap(),
        "secret value\n"
    );
    // Saved into another folder, a spec's relative CSV path follows it.
    let iris = get(&f, "/api/spec?file=served/iris.yaml").json["text"].clone();
    let r =
        save(json!({"file": "served/sub/iris2.yaml", "spec": iris, "from": "served/iris.yaml"}));
    assert_eq!(r.status, 200, "{}", r.text);
    let moved = std::fs::read_to_string(dir.join("sub/iris2.yaml")).unwrap();
    assert!(moved.contains("csv: ../iris.csv"), "{moved}");
    // So does the editor's schema line, as with `bpc train -o`.
    std::fs::write(dir.join("bpc.schema.json"), "{}").unwrap();
    let with_schema = format!(
        "# yaml-language-server: $schema=bpc.schema.json\n{}",
        fruit_text()
    );
    let r = save(
        json!({"file": "served/sub/f3.yaml", "spec": with_schema, "from": "served/iris.yaml"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let moved_schema = std::fs::read_to_string(dir.join("sub/f3.yaml")).unwrap();
    assert!(
        moved_schema.starts_with("# yaml-language-server: $schema=../bpc.schema.json\n"),
        "{moved_schema}"
    );
    // Which `bpc run` then refuses, as the page does: data comes from the
    // spec's own folder unless --allow-outside-data.
    let r = post(
        &f,
        "/api/run",
        json!({"spec": moved, "file": "served/sub/iris2.yaml"}),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("outside the spec's folder"), "{}", r.text);
}

#[test]
fn check_grades_the_saved_file() {
    let f = Fixture::repo(&["exercises"]);
    for (file, verdict, status) in [
        ("exercises/keys/01_fruit_total.yaml", "correct", "passed"),
        // A handout: its answers are blank.
        ("exercises/01_fruit_total.yaml", "unanswered", "unanswered"),
    ] {
        let r = post(&f, "/api/check", json!({ "file": file }));
        assert_eq!(r.status, 200, "{}", r.text);
        let (exit, cli, _) = bpc(&["check", file, "--format", "json"]);
        assert_eq!(r.json["exit"], json!(exit), "{file}");
        assert_eq!(
            r.json["report"],
            serde_json::from_str::<Value>(&cli).unwrap()
        );
        let (_, text, _) = bpc(&["check", file]);
        assert_eq!(r.json["text"], json!(text));
        let spec = &r.json["report"]["specs"][0];
        assert_eq!(spec["expect"][1]["name"], "total_price");
        assert_eq!(spec["expect"][1]["verdict"], verdict, "{file}");
        assert_eq!(spec["expect"][1]["status"], status, "{file}");
    }
    let r = post(&f, "/api/check", json!({"file": "specs/fruit.yaml"}));
    assert_eq!(r.status, 404, "not served");
}

#[test]
fn an_older_request_from_the_same_page_is_superseded() {
    let f = Fixture::repo(&["specs"]);
    let run = |seq: u64| -> Reply {
        post(
            &f,
            "/api/run",
            json!({"spec": fruit_text(), "client": "page-1", "seq": seq}),
        )
    };
    assert_eq!(run(5).status, 200);
    let stale = run(4);
    assert_eq!(stale.status, 409);
    assert_eq!(stale.json["superseded"], json!(true));
    assert_eq!(run(6).status, 200);
    // Another page is not affected.
    let other = post(
        &f,
        "/api/run",
        json!({"spec": fruit_text(), "client": "page-2", "seq": 1}),
    );
    assert_eq!(other.status, 200);
}

#[test]
fn the_page_and_its_files_are_served_with_a_strict_policy() {
    let f = Fixture::repo(&["specs"]);
    let r = get(&f, "/");
    assert_eq!(r.status, 200);
    assert!(r.text.contains("<title>bpc</title>"), "{}", r.text);
    let csp = r.headers.get("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    for path in ["/js/main.js", "/vendor/viz/viz.js", "/style.css"] {
        assert_eq!(get(&f, path).status, 200, "{path}");
    }
    assert_eq!(get(&f, "/nope").status, 404);
    assert_eq!(get(&f, "/../Cargo.toml").status, 404);
    // Every file of the page is compiled in, byte for byte (a new file in
    // web/ needs its line in serve::assets).
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .extension()
                .is_some_and(|x| x == "js" || x == "css" || x == "html")
            {
                out.push(p);
            }
        }
    }
    let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    let mut files = Vec::new();
    walk(&web, &mut files);
    assert!(files.len() >= 12, "{files:?}");
    for p in files {
        let rel = p
            .strip_prefix(&web)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let served = bpc::serve::assets::find(&format!("/{rel}"))
            .unwrap_or_else(|| panic!("web/{rel} is not in serve::assets"));
        assert_eq!(served.body, std::fs::read(&p).unwrap(), "web/{rel}");
    }
}

#[test]
fn explain_gives_bpc_explain_and_the_step_through() {
    let f = Fixture::repo(&["specs"]);
    let body = json!({"spec": fruit_text(), "file": "specs/fruit.yaml"});
    let r = post(&f, "/api/explain", body);
    assert_eq!(r.status, 200, "{}", r.text);
    let (status, cli, _) = bpc(&["explain", "specs/fruit.yaml", "--format", "json"]);
    assert_eq!(status, 0);
    assert_eq!(
        r.json["explain"],
        serde_json::from_str::<Value>(&cli).unwrap()
    );
    let (_, text, _) = bpc(&["explain", "specs/fruit.yaml"]);
    assert_eq!(r.json["text"], json!(text));
    // Forward (5 named slots), backward (2 nodes), the 3 leaves' gradients.
    let steps = r.json["steps"].as_array().unwrap();
    let phases: Vec<&str> = steps.iter().map(|s| s["phase"].as_str().unwrap()).collect();
    assert_eq!(phases.iter().filter(|&&p| p == "forward").count(), 5);
    assert_eq!(phases.iter().filter(|&&p| p == "backward").count(), 2);
    assert_eq!(phases.iter().filter(|&&p| p == "gradient").count(), 3);
    assert_eq!(steps[3]["node"], "fruit_price");
    assert_eq!(
        steps[3]["lines"],
        json!(["fruit_price = price_Y × n_X = 100 × 2 = 200"])
    );
    // d total / d n_X = 1.1 x price_Y = 1.1 x 100 = 110: upstream times the other input.
    let back = &steps[6];
    assert_eq!(back["node"], "fruit_price");
    assert_eq!(
        back["lines"][2],
        "d total_price / d n_X = d total_price / d fruit_price × d fruit_price / d n_X = 1.1 × price_Y = 1.1 × 100 = 110"
    );
    // With set, the numbers are the new ones; --wrt names are checked as the CLI does.
    let r = post(
        &f,
        "/api/explain",
        json!({"spec": fruit_text(), "set": {"n_X": 3}, "wrt": ["n_X"]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["explain"]["paths"][0]["grad"],
        json!(110.00000000000001)
    );
    let r = post(
        &f,
        "/api/explain",
        json!({"spec": fruit_text(), "file": "specs/fruit.yaml", "wrt": ["n_x"]}),
    );
    assert_eq!(r.status, 422);
    let (status, _, stderr) = bpc(&["explain", "specs/fruit.yaml", "--wrt", "n_x"]);
    assert_eq!(status, 2);
    assert_eq!(r.json["stderr"], json!(stderr));
}

#[test]
fn the_command_refuses_paths_it_cannot_serve() {
    let (status, _, stderr) = bpc(&["serve", "no/such/folder"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("cannot serve `no/such/folder`"), "{stderr}");
    let (status, _, stderr) = bpc(&["serve", "specs/iris.csv"]);
    assert_eq!(status, 2);
    assert!(stderr.contains("not a folder or a .yaml file"), "{stderr}");
}
