//! `POST /api/train`: trains the page's spec as `bpc train` does, with the
//! same checks before it starts (an invalid spec or setting is refused with
//! 422 and the CLI's diagnostics), and streams the progress as server-sent
//! events ([`stream`](super::stream) says which); `POST /api/train/stop`
//! stops it after its current step.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;

use crate::diag::Diagnostics;
use crate::plan::{Plan, Slot};
use crate::train::{self, Overrides, Settings};

use super::AppState;
use super::answer::{self, Answer, json_response, refuse};
use super::api::{RunRequest, blocking, parse, spec_size};
use super::pipeline::{self, Input, Stopped};
use super::stream::Stream;

/// Most trainings running at once.
const MAX_RUNNING: usize = 4;

/// The running trainings, by id, each with its stop flag.
#[derive(Debug, Default)]
pub struct Registry {
    next: AtomicU64,
    running: Mutex<HashMap<u64, Arc<AtomicBool>>>,
}

impl Registry {
    fn add(&self) -> Option<(u64, Arc<AtomicBool>)> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.len() >= MAX_RUNNING {
            return None;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let stop = Arc::new(AtomicBool::new(false));
        running.insert(id, stop.clone());
        Some((id, stop))
    }

    fn remove(&self, id: u64) {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// Raises the stop flag of training `id`; false if none runs.
    pub fn stop(&self, id: u64) -> bool {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running
            .get(&id)
            .map(|s| s.store(true, Ordering::Relaxed))
            .is_some()
    }
}

/// The body of `POST /api/train`: a run request and `bpc train`'s flags.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainRequest {
    spec: String,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    set: std::collections::BTreeMap<String, Json>,
    #[serde(default)]
    epochs: Option<u64>,
    #[serde(default)]
    lr: Option<f64>,
    #[serde(default)]
    optimizer: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    /// Slow motion: at most this many epochs per second, to watch.
    #[serde(default)]
    epochs_per_second: Option<f64>,
}

/// What a training needs, checked before the stream starts.
struct Job {
    plan: Plan,
    data: Vec<Slot>,
    settings: Settings,
    pace: Option<f64>,
}

/// `POST /api/train`.
pub async fn start(State(state): State<Arc<AppState>>, body: Bytes) -> Answer {
    let req: TrainRequest = parse(&body)?;
    spec_size(&req.spec)?;
    let run = RunRequest::of(req.spec, req.file, req.set);
    let file = run.resolve_file(&state)?;
    let st = state.clone();
    let overrides = Overrides {
        epochs: req.epochs,
        lr: req.lr,
        optimizer: req.optimizer,
        seed: req.seed,
        threads: None,
        log_every: None,
    };
    let pace = req.epochs_per_second.filter(|p| p.is_finite() && *p > 0.0);
    let prepared = blocking(&state, move || {
        let sets = run.sets();
        let input = Input {
            text: &run.spec,
            file: file.as_ref(),
            sets: &sets,
        };
        let plan = match pipeline::compile(&st.roots, &input, &|| false) {
            Ok(p) => p,
            Err(Stopped::Invalid(d)) => return Err((d, run.spec)),
            Err(Stopped::Superseded) => return Err((Diagnostics::default(), run.spec)),
        };
        let data = train::data_slots(&plan);
        let settings = match train::settings::resolve(&plan, &data, &overrides) {
            Ok(s) => s,
            Err(d) => return Err((d, run.spec)),
        };
        if let Err(d) = train::batches::check(&plan, &data, &settings, &sets) {
            return Err((d, run.spec));
        }
        let plan = train::training_plan(plan, settings.loss);
        Ok(Job {
            plan,
            data,
            settings,
            pace,
        })
    });
    let job = match prepared.await? {
        Ok(job) => job,
        Err((d, text)) => {
            return Ok(json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                answer::invalid_json(&d, &text),
            ));
        }
    };
    let Some((id, stop)) = state.trainings.add() else {
        return Err(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("{MAX_RUNNING} trainings are running; stop one first"),
        ));
    };
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let st = state.clone();
    std::thread::spawn(move || {
        let stream = Stream::new(id, tx, stop);
        stream.train(&job.plan, &job.data, &job.settings, job.pace);
        // Gone from the registry before the page sees the stream end.
        st.trainings.remove(id);
        drop(stream);
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(events),
    )
        .into_response())
}

/// The body of `POST /api/train/stop`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopRequest {
    id: u64,
}

/// `POST /api/train/stop`: training stops after its current step, and the
/// stream ends with `done` (`interrupted: true`) and the params so far.
pub async fn stop(State(state): State<Arc<AppState>>, body: Bytes) -> Answer {
    let req: StopRequest = parse(&body)?;
    if state.trainings.stop(req.id) {
        Ok(json_response(
            StatusCode::OK,
            format!("{}\n", json!({"stopping": req.id})),
        ))
    } else {
        Err(refuse(StatusCode::NOT_FOUND, "no such training is running"))
    }
}
