//! The page's files, compiled into the binary: the page works offline and
//! needs nothing installed. `web/` holds them; `web/vendor/` the vendored
//! WebAssembly build of Graphviz (see `web/vendor/README.md`).

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The page's content security policy: its own scripts only (WebAssembly
/// allowed, for Graphviz), no inline script, no other site.
pub const CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
    worker-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// One embedded file.
pub struct Asset {
    /// Its URL path.
    pub path: &'static str,
    /// Its content type.
    pub mime: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
}

macro_rules! asset {
    ($file:literal, $mime:expr) => {
        Asset {
            path: concat!("/", $file),
            mime: $mime,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $file)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the page.
pub const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("js/main.js", JS),
    asset!("js/api.js", JS),
    asset!("js/check.js", JS),
    asset!("js/editor.js", JS),
    asset!("js/format.js", JS),
    asset!("js/graph.js", JS),
    asset!("js/step.js", JS),
    asset!("js/table.js", JS),
    asset!("js/train.js", JS),
    asset!("js/viz-worker.js", JS),
    asset!("vendor/viz/viz.js", JS),
];

/// The file at `path` (`/` is the page itself).
pub fn find(path: &str) -> Option<&'static Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    ASSETS.iter().find(|a| a.path == path)
}

/// Serves an embedded file, or 404.
pub async fn serve(uri: Uri) -> Response {
    match find(uri.path()) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.mime),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            a.body,
        )
            .into_response(),
        None => super::answer::refuse(StatusCode::NOT_FOUND, "no such page or API route")
            .into_response(),
    }
}
