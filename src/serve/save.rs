//! `POST /api/save`: writes a `.yaml` file in a served folder, atomically,
//! and never over an existing file unless the request says `"overwrite":
//! true` (the page asks first). Saving a spec into another folder than the
//! one it came from (`"from"`) keeps its relative references (the data CSV,
//! the editor's schema line) naming the same files, and the file is written
//! by the same checked, atomic writer, as `bpc train -o` does
//! ([`crate::edit::relocate`], [`crate::files::Output`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use crate::diag::Source;
use crate::edit::{self, Edits};
use crate::files::Output;

use super::AppState;
use super::answer::{Answer, json_response, refuse};
use super::api::{blocking, parse, spec_size};
use super::roots::Resolved;

/// The body of `POST /api/save`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaveRequest {
    /// Where to save (a `.yaml` name in a served folder).
    file: String,
    /// The text.
    spec: String,
    /// Replace an existing file (the page asked the user).
    #[serde(default)]
    overwrite: bool,
    /// The served file the text came from, if another: its relative CSV
    /// path is rewritten to work from the new folder.
    #[serde(default)]
    from: Option<String>,
}

/// `POST /api/save`.
pub async fn save(State(state): State<Arc<AppState>>, body: Bytes) -> Answer {
    let req: SaveRequest = parse(&body)?;
    spec_size(&req.spec)?;
    let target = state.roots.save_target(&req.file)?;
    if target.exists && !req.overwrite {
        return Ok(json_response(
            StatusCode::CONFLICT,
            format!(
                "{}\n",
                json!({
                    "exists": true,
                    "error": format!("`{}` exists; bpc replaces it only when asked (\"overwrite\": true)", req.file),
                })
            ),
        ));
    }
    let from = match &req.from {
        Some(f) => Some(state.roots.resolve(f)?),
        None => None,
    };
    let work = move || {
        let text = match &from {
            Some(from) => relocated(&req.spec, from, &target.file).unwrap_or(req.spec),
            None => req.spec,
        };
        let written =
            Output::check("the file", &target.file.path).and_then(|o| o.write(text.as_bytes()));
        match written {
            Ok(()) => Ok(json_response(
                StatusCode::OK,
                format!(
                    "{}\n",
                    json!({"saved": target.file.name, "bytes": text.len(), "replaced": target.exists})
                ),
            )),
            Err(d) => Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, &d.render(false))),
        }
    };
    blocking(&state, work).await?
}

/// `text` with its relative references (data CSV, schema line) rewritten to
/// lead from `to`'s folder to the files they led to from `from`'s, as
/// `bpc train -o` does; `None` when nothing needs to change (same folder, no
/// relative reference, a text that does not parse, or files that do not
/// exist).
fn relocated(text: &str, from: &Resolved, to: &Resolved) -> Option<String> {
    let spec = crate::spec::parse(&Source::new(to.name.as_str(), text)).ok()?;
    let mut edits = Edits::default();
    edit::relocate(&spec, &from.canonical, &to.canonical, &mut edits);
    (!edits.is_empty()).then(|| edits.apply(text))
}
