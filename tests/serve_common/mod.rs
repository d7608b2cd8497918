//! Helpers of the `bpc serve` tests: a server state over the repository's
//! folders or over a temporary tree with escapes planted in it, and
//! in-process requests through the router.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::Request;
use bpc::serve::roots::Roots;
use bpc::serve::{AppState, router};
use serde_json::Value;
use tower::ServiceExt;

/// A server's state, and the folder it serves from.
pub struct Fixture {
    pub state: Arc<AppState>,
    /// The `Host` header requests carry.
    pub host: String,
    /// The temporary folder (or the repository).
    pub dir: PathBuf,
    temp: bool,
}

const ADDR: &str = "127.0.0.1:4711";

impl Fixture {
    /// Serves folders of the repository (names as `specs/fruit.yaml`).
    pub fn repo(paths: &[&str]) -> Fixture {
        let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        let roots = Roots::new(&paths, Path::new(".")).unwrap();
        Fixture::new(roots, PathBuf::from(env!("CARGO_MANIFEST_DIR")), false)
    }

    /// A temporary tree, serving `served/`:
    /// - `served/sub/fruit.yaml`, `served/iris.yaml` with `served/iris.csv`;
    /// - `served/data_out.yaml`, whose CSV is `../outside/secret.csv`;
    /// - `served/link_out.yaml` -> `outside/secret.yaml`, `served/linkdir` -> `outside`;
    /// - `served/.hidden.yaml`, `served/notes.txt`;
    /// - `outside/secret.yaml`, `outside/secret.csv` (both hold "secret value").
    pub fn temp() -> Fixture {
        let dir = temp_dir();
        let served = dir.join("served");
        let outside = dir.join("outside");
        std::fs::create_dir_all(served.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        let fruit =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/fruit.yaml"))
                .unwrap();
        let write = |p: &Path, t: &str| std::fs::write(p, t).unwrap();
        write(&served.join("sub/fruit.yaml"), &fruit);
        write(
            &served.join("iris.yaml"),
            "data:\n  csv: iris.csv\n  columns: { x: [a, b], y: c }\nnodes:\n  s: sum(x)\noutput: s\n",
        );
        write(&served.join("iris.csv"), "a,b,c\n1,2,0\n3,4,1\n");
        write(
            &served.join("data_out.yaml"),
            "data:\n  csv: ../outside/secret.csv\n  columns: { x: a }\nnodes:\n  s: sum(x)\noutput: s\n",
        );
        write(&served.join(".hidden.yaml"), &fruit);
        write(&served.join("notes.txt"), "notes\n");
        write(&outside.join("secret.yaml"), "secret value\n");
        write(&outside.join("secret.csv"), "a\nsecret value\n");
        std::os::unix::fs::symlink("../outside/secret.yaml", served.join("link_out.yaml")).unwrap();
        std::os::unix::fs::symlink("../outside", served.join("linkdir")).unwrap();
        let roots = Roots::new(&[PathBuf::from("served")], &dir).unwrap();
        Fixture::new(roots, dir, true)
    }

    fn new(roots: Roots, dir: PathBuf, temp: bool) -> Fixture {
        let state = Arc::new(AppState::new(roots, ADDR.parse().unwrap()));
        Fixture {
            state,
            host: ADDR.to_string(),
            dir,
            temp,
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if self.temp {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A fresh folder under the system's temporary folder.
pub fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "bpc-serve-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An answer: status, body (and its JSON, or null), headers.
pub struct Reply {
    pub status: u16,
    pub text: String,
    pub json: Value,
    pub headers: HashMap<String, String>,
}

/// Sends one request through the router.
pub fn send(f: &Fixture, req: Request<Body>) -> Reply {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let res = router(f.state.clone()).oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let headers = res
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let bytes = axum::body::to_bytes(res.into_body(), 64 << 20)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            text,
            json,
            headers,
        }
    })
}

/// `GET path`.
pub fn get(f: &Fixture, path: &str) -> Reply {
    let req = Request::get(path)
        .header("host", &f.host)
        .body(Body::empty())
        .unwrap();
    send(f, req)
}

/// `POST path` with a JSON body.
pub fn post(f: &Fixture, path: &str, body: Value) -> Reply {
    post_raw(f, path, &body.to_string(), &[])
}

/// `POST path` with `body`, JSON content type and our host unless `headers`
/// say otherwise.
pub fn post_raw(f: &Fixture, path: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
    let mut all: Vec<(&str, &str)> = vec![("host", &f.host), ("content-type", "application/json")];
    for (k, v) in headers {
        all.retain(|(n, _)| n != k);
        all.push((k, v));
    }
    let mut req = Request::post(path);
    for (k, v) in all {
        req = req.header(k, v);
    }
    send(f, req.body(Body::from(body.to_string())).unwrap())
}
