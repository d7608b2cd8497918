//! The API's handlers (documented in `docs/serve.md`). Each parses its
//! request, resolves file names through [`Roots`](super::roots::Roots), and
//! does the work on a blocking thread (at most as many at once as the
//! server has permits), so the server keeps answering while a spec is
//! evaluated.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};

use crate::check::{self, GradcheckOptions};
use crate::load;

use super::AppState;
use super::answer::{self, Answer, Refusal, json_response, refuse};
use super::pipeline::{self, Input, Stopped};
use super::roots::{PathError, Resolved};

/// Largest spec text the page opens, saves or runs, in bytes (larger
/// request bodies are refused with 413 before they are read).
pub const MAX_SPEC_BYTES: usize = 1024 * 1024;

/// Reads a JSON request body.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Answer<T> {
    serde_json::from_slice(body)
        .map_err(|e| refuse(StatusCode::BAD_REQUEST, &format!("bad request body: {e}")))
}

impl From<PathError> for Refusal {
    fn from(e: PathError) -> Refusal {
        match e {
            PathError::Forbidden(m) => refuse(StatusCode::FORBIDDEN, &m),
            PathError::NotFound(m) => refuse(StatusCode::NOT_FOUND, &m),
        }
    }
}

/// Refuses a spec text over [`MAX_SPEC_BYTES`] (413), as a body too large.
pub fn spec_size(text: &str) -> Answer<()> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the spec is {} bytes; bpc serve takes specs of at most {MAX_SPEC_BYTES} bytes",
                text.len()
            ),
        ));
    }
    Ok(())
}

/// Runs `f` on a blocking thread once a permit is free.
pub async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce() -> T + Send + 'static,
) -> Answer<T> {
    let _permit = state.cpu.acquire().await.map_err(|_| {
        refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        )
    })?;
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("bpc failed while working on this request: {e}"),
        )
    })
}

/// `GET /api/specs`: the served spec files.
pub async fn specs(State(state): State<Arc<AppState>>) -> Answer {
    let st = state.clone();
    let files = blocking(&state, move || st.roots.list()).await?;
    Ok(json_response(
        StatusCode::OK,
        format!("{}\n", json!({ "specs": files })),
    ))
}

/// The query of `GET /api/spec`.
#[derive(Deserialize)]
pub struct FileQuery {
    /// The spec's name.
    file: String,
}

/// `GET /api/spec?file=NAME`: one spec's text.
pub async fn spec(State(state): State<Arc<AppState>>, Query(q): Query<FileQuery>) -> Answer {
    let file = state.roots.resolve(&q.file)?;
    blocking(&state, move || {
        let len = std::fs::metadata(&file.path).map(|m| m.len()).unwrap_or(0);
        if len > MAX_SPEC_BYTES as u64 {
            return Err(refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "`{}` is {len} bytes; the page edits specs of at most {MAX_SPEC_BYTES} bytes",
                    file.name
                ),
            ));
        }
        let src = load::read_source(&file.path)
            .map_err(|d| refuse(StatusCode::UNPROCESSABLE_ENTITY, &d.render(false)))?;
        Ok(json_response(
            StatusCode::OK,
            format!("{}\n", json!({"file": file.name, "text": &*src.text})),
        ))
    })
    .await?
}

/// The body of `POST /api/run` (and of `POST /api/train`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The YAML text.
    pub spec: String,
    /// The served file it belongs to (its name in messages, its folder for
    /// data paths); it need not exist yet if its folder does.
    #[serde(default)]
    pub file: Option<String>,
    /// Values replacing inputs or params, as `--set NAME=VALUE`.
    #[serde(default)]
    pub set: BTreeMap<String, Json>,
    /// Which page sent it (any string), for [`seq`](Self::seq).
    #[serde(default)]
    pub client: Option<String>,
    /// The page's request number: a newer one makes older ones stale.
    #[serde(default)]
    pub seq: u64,
    /// The `dot_key` of the picture the page shows: when the graph's shape
    /// is still that one, the answer has the label cells instead of the DOT.
    #[serde(default)]
    pub dot_key: Option<String>,
}

impl RunRequest {
    /// A request for a spec's text, file and `set` alone, as `/api/explain`
    /// and `/api/train` make one from their own bodies.
    pub fn of(spec: String, file: Option<String>, set: BTreeMap<String, Json>) -> RunRequest {
        RunRequest {
            spec,
            file,
            set,
            client: None,
            seq: 0,
            dot_key: None,
        }
    }

    /// The file, resolved: an existing spec, or a new file in a served folder.
    pub fn resolve_file(&self, state: &AppState) -> Answer<Option<Resolved>> {
        let Some(name) = &self.file else {
            return Ok(None);
        };
        match state.roots.resolve(name) {
            Ok(f) => Ok(Some(f)),
            Err(e) => match state.roots.save_target(name) {
                Ok(t) if !t.exists => Ok(Some(t.file)),
                _ => Err(e.into()),
            },
        }
    }

    /// `set` as `--set` arguments (JSON numbers and arrays are YAML).
    pub fn sets(&self) -> Vec<String> {
        self.set.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
}

/// `POST /api/run`: `bpc run --format json` of the text, with the DOT and
/// the diagnostics.
pub async fn run(State(state): State<Arc<AppState>>, body: Bytes) -> Answer {
    let arrived = Instant::now();
    let req: RunRequest = parse(&body)?;
    spec_size(&req.spec)?;
    let file = req.resolve_file(&state)?;
    let page = req.client.clone().map(|c| (c, req.seq));
    if let Some((c, seq)) = &page
        && !state.generations.begin(c, *seq)
    {
        return Err(answer::superseded());
    }
    let st = state.clone();
    let work = move || {
        let started = Instant::now();
        let stale = || {
            page.as_ref()
                .is_some_and(|(c, seq)| st.generations.is_stale(c, *seq))
        };
        if stale() {
            return Err(answer::superseded());
        }
        let sets = req.sets();
        let input = Input {
            text: &req.spec,
            file: file.as_ref(),
            sets: &sets,
        };
        let result = match pipeline::evaluate(&st.roots, &input, &stale) {
            Ok(_) if stale() => Err(answer::superseded()),
            Ok((plan, ev)) => {
                let compare = pipeline::compare(&plan, &ev, &input);
                Ok(json_response(
                    StatusCode::OK,
                    answer::run_json(&plan, &ev, compare.as_ref(), req.dot_key.as_deref()),
                ))
            }
            Err(Stopped::Superseded) => Err(answer::superseded()),
            Err(Stopped::Invalid(d)) => Ok(json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                answer::invalid_json(&d, &req.spec),
            )),
        };
        result.map(|r| (r, started.elapsed()))
    };
    let (mut response, work) = blocking(&state, work).await??;
    // The server's part of the request, for the page's performance timeline.
    let timing = format!(
        "work;dur={:.2}, total;dur={:.2}",
        work.as_secs_f64() * 1e3,
        arrived.elapsed().as_secs_f64() * 1e3
    );
    if let Ok(v) = HeaderValue::from_str(&timing) {
        response.headers_mut().insert("server-timing", v);
    }
    Ok(response)
}

/// The body of `POST /api/check`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The served spec file to check (as saved).
    file: String,
}

/// `POST /api/check`: `bpc check --format json` of one saved file, with the
/// text report beside it.
pub async fn check(State(state): State<Arc<AppState>>, body: Bytes) -> Answer {
    let req: CheckRequest = parse(&body)?;
    let file = state.roots.resolve(&req.file)?;
    let st = state.clone();
    let work = move || {
        // The data file must be served before `check` reads it.
        let source = match load::read_source(&file.path) {
            Ok(s) => s,
            Err(d) => {
                return json_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    answer::invalid_json(&d.into(), ""),
                );
            }
        };
        if let Ok(spec) = crate::spec::parse(&source)
            && let Err(d) = pipeline::check_data(&st.roots, &spec, Some(&file))
        {
            return json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                answer::invalid_json(&d.into(), &source.text),
            );
        }
        // `bpc check`'s defaults.
        let opts = GradcheckOptions::default();
        let (report, diags) = check::check_file(
            &file.path,
            Some(&opts),
            |hidden| hidden,
            &crate::files::ReadPolicy::default(),
            None,
        );
        let reports = [report];
        let exit = match &reports[0].problem {
            Some(p) if p.invalid => 2,
            _ if reports[0].counts().failed_any() => 1,
            _ => 0,
        };
        let report: Json =
            serde_json::from_str(&check::report::json(&reports, Some(&opts))).unwrap_or(Json::Null);
        let mut j = pipeline::diagnostics_json(&diags, &source.text);
        j["exit"] = json!(exit);
        j["report"] = report;
        j["text"] = json!(check::report::text(&reports, Some(&opts)));
        json_response(StatusCode::OK, format!("{j}\n"))
    };
    blocking(&state, work).await
}
