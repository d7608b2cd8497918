//! `bpc serve`'s training stream: the same training as `bpc train`, epoch by
//! epoch, params snapshots equal to a training stopped at that epoch, and a
//! stop endpoint.

mod common;
mod serve_common;

use axum::body::Body;
use axum::http::Request;
use bpc::serve::router;
use futures_util::StreamExt;
use serde_json::{Value, json};
use serve_common::{Fixture, post};
use tower::ServiceExt;

/// One server-sent event: its name and its JSON data.
fn events(text: &str) -> Vec<(String, Value)> {
    text.split("\n\n")
        .filter(|e| !e.trim().is_empty())
        .map(|e| {
            let name = e.lines().find_map(|l| l.strip_prefix("event: ")).unwrap();
            let data = e.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
            (name.to_string(), serde_json::from_str(data).unwrap())
        })
        .collect()
}

fn xor() -> String {
    std::fs::read_to_string(common::root("specs/xor.yaml")).unwrap()
}

fn train(f: &Fixture, body: Value) -> (u16, Vec<(String, Value)>, String) {
    let r = post(f, "/api/train", body);
    let evs = if r.status == 200 {
        events(&r.text)
    } else {
        Vec::new()
    };
    (r.status, evs, r.text)
}

#[test]
fn training_streams_what_bpc_train_computes() {
    let f = Fixture::repo(&["specs"]);
    let (status, evs, text) = train(
        &f,
        json!({"spec": xor(), "file": "specs/xor.yaml", "epochs": 300}),
    );
    assert_eq!(status, 200, "{text}");
    assert_eq!(evs[0].0, "start");
    assert_eq!(evs[0].1["loss"], "loss");
    assert_eq!(evs[0].1["epochs"], 300);
    assert_eq!(evs[0].1["optimizer"], "sgd");
    let points: Vec<Value> = evs
        .iter()
        .filter(|(n, _)| n == "epochs")
        .flat_map(|(_, d)| d["epochs"].as_array().unwrap().clone())
        .collect();
    assert_eq!(points.len(), 300);
    // Every epoch's loss and accuracy as `bpc train --history` writes them.
    let dir = serve_common::temp_dir();
    let (hist, out) = (dir.join("h.csv"), dir.join("t.yaml"));
    let (code, _, err) = common::bpc(&[
        "train",
        "specs/xor.yaml",
        "--epochs",
        "300",
        "--history",
        hist.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let history = std::fs::read_to_string(&hist).unwrap();
    for (line, p) in history.lines().skip(1).zip(&points) {
        let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        assert_eq!(p[0].as_f64().unwrap(), cells[0]);
        assert_eq!(
            p[1].as_f64().unwrap().to_bits(),
            cells[1].to_bits(),
            "{line}"
        );
        assert_eq!(
            p[2].as_f64().unwrap().to_bits(),
            cells[2].to_bits(),
            "{line}"
        );
    }
    let (name, done) = evs.last().unwrap();
    assert_eq!(name, "done");
    assert_eq!(done["epochs_run"], 300);
    assert_eq!(done["interrupted"], false);
    // The trained spec, byte for byte what `bpc train -o` writes.
    assert_eq!(
        done["trained_spec"].as_str().unwrap(),
        std::fs::read_to_string(&out).unwrap()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn params_snapshots_equal_a_training_stopped_at_that_epoch() {
    let f = Fixture::repo(&["specs"]);
    // Slow motion (100 epochs a second) leaves time for snapshots.
    let (status, evs, text) = train(
        &f,
        json!({"spec": xor(), "file": "specs/xor.yaml", "epochs": 60, "epochs_per_second": 100, "optimizer": "adam", "lr": 0.1}),
    );
    assert_eq!(status, 200, "{text}");
    let snapshots: Vec<&Value> = evs
        .iter()
        .filter(|(n, _)| n == "params")
        .map(|(_, d)| d)
        .collect();
    // About one every 100 ms (fewer on a loaded machine); the first after epoch 1.
    assert!(snapshots.len() >= 2, "{} snapshots", snapshots.len());
    assert_eq!(snapshots[0]["epoch"], 1);
    for s in snapshots {
        let epoch = s["epoch"].as_u64().unwrap();
        let (_, straight, _) = train(
            &f,
            json!({"spec": xor(), "file": "specs/xor.yaml", "epochs": epoch, "optimizer": "adam", "lr": 0.1}),
        );
        let done = &straight.last().unwrap().1;
        assert_eq!(s["params"], done["params"], "epoch {epoch}");
    }
}

#[test]
fn stop_ends_a_training_with_the_params_so_far() {
    let f = Fixture::repo(&["specs"]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let request = |path: &str, body: Value| {
            Request::post(path)
                .header("host", &f.host)
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let body = json!({"spec": xor(), "file": "specs/xor.yaml", "epochs": 1_000_000, "epochs_per_second": 50});
        let res = router(f.state.clone())
            .oneshot(request("/api/train", body))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let mut stream = res.into_body().into_data_stream();
        let mut text = String::new();
        while !text.contains("\n\n") {
            let chunk = stream.next().await.unwrap().unwrap();
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        let id = events(&text)[0].1["id"].as_u64().unwrap();
        let stop = router(f.state.clone())
            .oneshot(request("/api/train/stop", json!({"id": id})))
            .await
            .unwrap();
        assert_eq!(stop.status(), 200);
        while let Some(chunk) = stream.next().await {
            text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
        }
        let evs = events(&text);
        let (name, done) = evs.last().unwrap();
        assert_eq!(name, "done", "{text}");
        assert_eq!(done["interrupted"], true);
        assert!(done["epochs_run"].as_u64().unwrap() < 1000);
        // Stopped trainings are gone.
        let again = router(f.state.clone())
            .oneshot(request("/api/train/stop", json!({"id": id})))
            .await
            .unwrap();
        assert_eq!(again.status(), 404);
    });
}

#[test]
fn invalid_specs_and_settings_are_refused_before_the_stream() {
    let f = Fixture::repo(&["specs"]);
    let (status, _, text) = train(
        &f,
        json!({"spec": xor(), "file": "specs/xor.yaml", "optimizer": "adamw"}),
    );
    assert_eq!(status, 422, "{text}");
    let r: Value = serde_json::from_str(&text).unwrap();
    assert!(r["stderr"].as_str().unwrap().contains("adamw"), "{text}");
    let (status, _, _) = train(&f, json!({"spec": "nodes: {"}));
    assert_eq!(status, 422);
}

#[test]
fn a_diverging_training_ends_with_the_cli_message() {
    let f = Fixture::repo(&["specs"]);
    let (status, evs, text) = train(
        &f,
        json!({"spec": xor(), "file": "specs/xor.yaml", "lr": 1e300, "epochs": 5}),
    );
    assert_eq!(status, 200, "{text}");
    let (name, err) = evs.last().unwrap();
    assert_eq!(name, "error", "{text}");
    let (code, _, stderr) =
        common::bpc(&["train", "specs/xor.yaml", "--lr", "1e300", "--epochs", "5"]);
    assert_eq!(code, 1);
    assert_eq!(err["stderr"], json!(stderr));
}
