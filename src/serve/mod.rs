//! `bpc serve`: the graph in the browser. A local HTTP server (axum on a
//! one-thread tokio runtime) that serves the page (its files are compiled
//! into the binary, see [`assets`]) and the API the page uses
//! (`docs/serve.md`), over the spec files under the given folders.
//!
//! Safety, in one place each: what may be read or written ([`roots`]);
//! which requests are answered at all ([`guard`]: the `Host` and `Origin`
//! checks, JSON-only API); request bodies of at most [`api::MAX_SPEC_BYTES`];
//! evaluation by the CLI's own pipeline and limits, on at most
//! [`WORKERS`] blocking threads, stopping early once a page has asked for
//! something newer ([`pipeline`]); data files only from served folders.

pub mod answer;
pub mod api;
pub mod assets;
pub mod explain;
pub mod guard;
pub mod picture;
pub mod pipeline;
pub mod roots;
pub mod save;
pub mod stream;
pub mod train;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Semaphore;

use crate::diag::{Diagnostic, ErrorKind};

use guard::{Generations, Hosts};
use roots::Roots;

/// Evaluations and checks running at once (the others wait their turn).
pub const WORKERS: usize = 2;

/// What `bpc serve` was asked to do.
#[derive(Clone, Debug)]
pub struct Options {
    /// Folders or spec files to serve (none: the current folder).
    pub paths: Vec<PathBuf>,
    /// The address to listen on.
    pub host: IpAddr,
    /// The port (0: any free one).
    pub port: u16,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            paths: Vec::new(),
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
        }
    }
}

/// Everything the handlers share.
pub struct AppState {
    /// What is served.
    pub roots: Roots,
    /// Which `Host` names are answered.
    pub hosts: Hosts,
    /// Each page's newest request.
    pub generations: Generations,
    /// Permits to work on a blocking thread.
    pub cpu: Semaphore,
    /// Running trainings.
    pub trainings: train::Registry,
}

impl AppState {
    /// The state of a server for `roots` listening on `addr`.
    pub fn new(roots: Roots, addr: SocketAddr) -> AppState {
        AppState {
            roots,
            hosts: Hosts::new(addr),
            generations: Generations::default(),
            cpu: Semaphore::new(WORKERS),
            trainings: train::Registry::default(),
        }
    }
}

/// The whole application: the page, the API, and the checks around them.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/specs", get(api::specs))
        .route("/api/spec", get(api::spec))
        .route("/api/run", post(api::run))
        .route("/api/check", post(api::check))
        .route("/api/explain", post(explain::explain))
        .route("/api/save", post(save::save))
        .route("/api/train", post(train::start))
        .route("/api/train/stop", post(train::stop))
        .fallback(assets::serve)
        .layer(DefaultBodyLimit::max(api::MAX_SPEC_BYTES + 64 * 1024))
        .layer(middleware::from_fn_with_state(state.clone(), checked))
        .with_state(state)
}

/// Refuses requests from elsewhere ([`guard`]) and adds the headers every
/// answer carries.
async fn checked(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Err(why) = state
        .hosts
        .check(req.method(), req.uri().path(), req.headers())
    {
        return answer::refuse(StatusCode::FORBIDDEN, &why).into_response();
    }
    let mut res = next.run(req).await;
    // The body limit's own refusal is plain text: say it in JSON, as every
    // other refusal of the API.
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !json {
        res = answer::refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the request body is too large: bpc serve takes specs of at most {} bytes",
                api::MAX_SPEC_BYTES
            ),
        )
        .into_response();
    }
    let h = res.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, assets::CSP),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    res
}

/// A bound server, not yet answering.
pub struct Server {
    listener: std::net::TcpListener,
    state: Arc<AppState>,
}

impl Server {
    /// Resolves the roots and binds the address (port 0: a free one).
    pub fn bind(opts: &Options) -> Result<Server, Diagnostic> {
        let roots = Roots::new(&opts.paths, std::path::Path::new("."))?;
        let listener = std::net::TcpListener::bind((opts.host, opts.port)).map_err(|e| {
            Diagnostic::new(
                ErrorKind::Io,
                format!("cannot listen on {}:{}: {e}", opts.host, opts.port),
            )
            .help("pick another --port, or 0 for any free one")
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| Diagnostic::new(ErrorKind::Io, format!("cannot listen: {e}")))?;
        let state = Arc::new(AppState::new(roots, addr));
        Ok(Server { listener, state })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The page's URL (an unspecified address is shown as 127.0.0.1).
    pub fn url(&self) -> String {
        let addr = self.addr();
        let ip = match addr.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}/", SocketAddr::new(ip, addr.port()))
    }

    /// Answers requests until the process ends.
    pub fn run(self) -> Result<(), Diagnostic> {
        let failed =
            |e: std::io::Error| Diagnostic::new(ErrorKind::Io, format!("the server failed: {e}"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(WORKERS + 2)
            .build()
            .map_err(failed)?;
        runtime
            .block_on(async move {
                self.listener.set_nonblocking(true)?;
                let listener = tokio::net::TcpListener::from_std(self.listener)?;
                axum::serve(listener, router(self.state)).await
            })
            .map_err(failed)
    }
}
