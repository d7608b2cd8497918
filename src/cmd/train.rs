//! `bpc train`: load, check the settings, fit, report, write the trained spec,
//! the history and the picture.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::diag::{Diagnostic, ErrorKind};
use crate::files::{self, Outputs};
use crate::render::nonfinite;
use crate::render::number;
use crate::session::{Failure, InputArgs, Io, output_target};
use crate::term;
use crate::timings::Timings;
use crate::train::{self, Accuracy, Epoch, Fit, Overrides, Score, Settings, heldout, plot, write};

/// `bpc train`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The spec file (YAML).
    pub spec: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Write the spec with the trained params here (comments and layout kept).
    #[arg(short = 'o', long = "output", value_name = "TRAINED.yaml")]
    pub output: Option<PathBuf>,
    /// Write the trained params back into SPEC itself.
    #[arg(long)]
    pub in_place: bool,
    /// Passes over the data (overrides `train.epochs`).
    #[arg(long, value_name = "N")]
    pub epochs: Option<u64>,
    /// Learning rate (overrides `train.lr`).
    #[arg(long, value_name = "X", allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// `sgd`, `momentum` or `adam` (overrides `train.optimizer`).
    #[arg(long, value_name = "NAME")]
    pub optimizer: Option<String>,
    /// Seed of the shuffle (overrides `train.seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Print the loss every N epochs (overrides `train.log_every`; 1: every epoch).
    #[arg(long, value_name = "N")]
    pub log_every: Option<u64>,
    /// Write epoch, loss (and accuracy) of every epoch as CSV.
    #[arg(long, value_name = "FILE.csv")]
    pub history: Option<PathBuf>,
    /// Draw the loss curve as an SVG picture.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Replace an input or param before training: NAME=VALUE, VALUE in YAML.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Threads of a step (default: one or all, whichever is faster, measured
    /// while training); the results are the same bits for every N.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub threads: Option<u64>,
    /// Print how long loading, compiling and each epoch took, and the median
    /// epoch, to stderr.
    #[arg(long)]
    pub timings: bool,
}

/// Raised by Ctrl-C; [`train::fit`] stops after the current step.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit status after a second Ctrl-C (128 + SIGINT, as a shell reports it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// The first Ctrl-C stops training cleanly after the current step (the
/// params so far are kept); a second one, while that step runs or the
/// outputs are written, exits at once with status 130. (A temporary file it
/// leaves behind is removed by the next write beside it.)
fn install_ctrl_c() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Failing to install (another handler exists) only loses the clean stop.
        let _ = ctrlc::set_handler(|| {
            if INTERRUPTED.swap(true, Ordering::SeqCst) {
                // The main thread holds the stdout and stderr locks: write
                // the fd directly, and exit without flushing through them.
                let note = b"\ninterrupted again: exiting now\n";
                // SAFETY: write(2) and _exit(2) on this process's own stderr;
                // both are async-signal-safe and take no lock.
                unsafe {
                    libc::write(2, note.as_ptr().cast(), note.len());
                    libc::_exit(EXIT_INTERRUPTED);
                }
            }
        });
    });
}

/// Runs `bpc train`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    // Every output is checked before the work starts: a wrong path is found
    // now, not after training.
    let target = output_target(
        &a.spec,
        a.output.as_deref(),
        a.in_place,
        ("trained", "replace the params in the spec itself"),
    )?;
    let mut outputs = Outputs::default();
    let flag = if a.in_place { "--in-place" } else { "-o" };
    let trained_out = target
        .as_deref()
        .map(|p| outputs.add(flag, p))
        .transpose()?;
    let history_out = a
        .history
        .as_deref()
        .map(|p| outputs.add("--history", p))
        .transpose()?;
    let plot_out = a
        .plot
        .as_deref()
        .map(|p| outputs.add("--plot", p))
        .transpose()?;
    let except = trained_out.filter(|_| a.in_place);
    outputs.not_input("the spec being trained", &a.spec, except)?;
    let policy = a.input.policy();
    let mut timings = Timings::default();
    let (plan, held) = heldout::load(&a.spec, &a.sets, &policy, &mut timings)?;
    for csv in crate::data::files(&plan.spec, &a.spec) {
        outputs.not_input("the spec's data", &csv, None)?;
    }
    let data = train::data_slots(&plan);
    let overrides = Overrides {
        epochs: a.epochs,
        lr: a.lr,
        optimizer: a.optimizer.clone(),
        seed: a.seed,
        log_every: a.log_every,
        threads: a.threads.map(|n| n as usize),
    };
    let s = train::settings::resolve(&plan, &data, &overrides)?;
    timings.time("check batches", || {
        train::batches::check(&plan, &data, &s, &a.sets)
    })?;
    let plan = timings.time("training plan", || train::training_plan(plan, s.loss));
    // The held-out rows' plan computes the same loss, forward only.
    let tested = held.as_ref().and_then(|h| {
        let loss = h.plan.slot(&plan.info(s.loss).name)?;
        Some(train::training_plan(h.plan.clone(), loss))
    });
    // The history is streamed to its file (nothing is kept in memory), and
    // the plot's curve keeps a bounded number of epochs.
    let mut history = history_out.map(|i| outputs.get(i).stream()).transpose()?;
    let columns = train::history::Columns {
        accuracy: train::Metric::detect(&plan, s.loss).is_some(),
        test: tested.is_some(),
        test_accuracy: tested
            .as_ref()
            .is_some_and(|t| train::Metric::detect(t, t.output).is_some()),
    };
    if let Some(h) = history.as_mut() {
        h.write(columns.header().as_bytes());
    }
    writeln!(io.out, "{}", header(&plan, &s, held.as_ref()))?;

    let mut curve = plot_out.map(|_| train::history::Curve::new());

    install_ctrl_c();
    INTERRUPTED.store(false, Ordering::SeqCst);
    let bar = io.tty.then(|| {
        let bar = indicatif::ProgressBar::new(s.epochs);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} epochs  {msg}  [{elapsed_precise} < {eta}]",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let width = s.epochs.to_string().len();
    let out = &mut *io.out;
    let mut log = |e: &Epoch| {
        if let Some(h) = history.as_mut() {
            h.write(columns.row(e).as_bytes());
        }
        if let Some(c) = curve.as_mut() {
            c.push(*e);
        }
        if let Some(bar) = &bar {
            bar.set_position(e.epoch);
            bar.set_message(format!("loss {}", number(e.loss, 6)));
        }
        if e.epoch == 1 || e.epoch.is_multiple_of(s.log_every) || e.epoch == s.epochs {
            let line = epoch_line(e, width, s.rows);
            match &bar {
                Some(bar) => bar.suspend(|| writeln!(out, "{}", line.trim_end())),
                None => writeln!(out, "{}", line.trim_end()),
            }
            .ok();
        }
    };
    let result = train::fit_tested(&plan, &data, &s, tested.as_ref(), &INTERRUPTED, &mut log);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let fit = result.map_err(|d| {
        let diag = nonfinite::diagnostic(&plan, &d.values, d.nonfinite);
        let message = format!(
            "training stopped at epoch {} (step {}): {}",
            d.epoch, d.step, diag.message
        );
        let diag = diag.with_message(message);
        // The spec is valid; the run failed, like a failed check (exit 1).
        Failure::Failed(Some(
            diag.help("lower the learning rate (--lr), or check the data and the graph")
                .into(),
        ))
    })?;

    for (i, t) in fit.epoch_times.iter().enumerate() {
        timings.record(format!("epoch {}", i + 1), *t);
    }
    if fit.epochs > fit.epoch_times.len() as u64 {
        let first = fit.epoch_times.len() + 1;
        timings.record(format!("epochs {first}-{}", fit.epochs), fit.later_time);
    }
    timings.summary("epoch median", crate::timings::median(&fit.epoch_times));
    let (before, after) = timings.time("score", || {
        (train::score(&plan, &[]), train::score(&plan, &fit.params))
    });
    report(io, &fit, before, after)?;
    let test_scores = tested.as_ref().map(|t| {
        timings.time("score test", || {
            let before = heldout::score(t, &plan, &[]);
            (before, heldout::score(t, &plan, &fit.params))
        })
    });
    if let Some((before, after)) = test_scores {
        writeln!(io.out, "test: {}", score_text(after, before))?;
    }
    // The trained spec first: it is written even when a picture fails.
    if let (Some(i), Some(path)) = (trained_out, target) {
        let trained: Vec<(String, crate::tensor::Value)> = fit
            .params
            .iter()
            .map(|(slot, v)| (plan.info(*slot).name.clone(), v.clone()))
            .collect();
        let moved = write::moved_data(&plan.spec, &a.spec, &path);
        let note = test_scores
            .map(|(_, after)| format!("{} after {} epochs", score_text(after, after), fit.epochs));
        let text = write::trained_text(&plan.spec, &trained, &moved, note.as_deref());
        timings.time("write", || outputs.write(i, text.as_bytes()))?;
        writeln!(io.out, "wrote {}", term::escape(&path.to_string_lossy()))?;
        for csv in moved.outside() {
            writeln!(
                io.out,
                "note: the trained spec reads its data from `{}`, outside its own folder: \
                 run it with --allow-outside-data, or copy the data beside it",
                term::escape(csv)
            )?;
        }
    }
    let mut extra = Vec::new();
    if let Some(h) = history {
        extra.push(h.finish());
    }
    if let (Some(i), Some(curve)) = (plot_out, curve) {
        let title = format!("{}: training loss", plan.name);
        extra.push(
            plot::loss_svg(&curve.points(), &title)
                .map_err(|e| {
                    Diagnostic::new(ErrorKind::Io, format!("cannot draw the loss curve: {e}"))
                })
                .and_then(|svg| outputs.write(i, svg.as_bytes())),
        );
    }
    let kept = trained_out.map(|i| outputs.get(i).path.clone());
    files::extra_failures(extra, kept.as_deref())?;
    if a.timings {
        let how = match a.threads {
            Some(_) => "--threads",
            None => "measured",
        };
        writeln!(io.err, "threads: {} ({how})", fit.threads)?;
        write!(io.err, "{}", timings.render())?;
    }
    Ok(())
}

fn header(plan: &crate::plan::Plan, s: &Settings, held: Option<&heldout::Held>) -> String {
    let params: Vec<_> = plan.params().collect();
    let count: usize = params
        .iter()
        .map(|p| plan.info(*p).shape.iter().product::<usize>())
        .sum();
    let test = match held {
        Some(h) if h.from_file => format!(" (and {} test rows from the test CSV)", h.rows),
        Some(h) => format!(" ({} more held out for testing)", h.rows),
        None => String::new(),
    };
    let data = if s.rows == 0 {
        "no data (each epoch is one step on the spec's inputs)".to_string()
    } else if s.batch_size >= s.rows {
        format!(
            "{} rows{test}, full batch{}",
            s.rows,
            if s.shuffle { ", shuffled" } else { "" }
        )
    } else {
        format!(
            "{} rows{test}, batches of {}{}",
            s.rows,
            s.batch_size,
            if s.shuffle { ", shuffled" } else { "" }
        )
    };
    format!(
        "training `{}`: loss `{}`, {count} weights in {} params, {data}; {}, lr {}, {} epochs",
        term::escape(&plan.name),
        plan.info(s.loss).name,
        params.len(),
        s.optimizer,
        number(s.lr, 6),
        s.epochs
    )
}

fn accuracy_text(a: Option<Accuracy>) -> String {
    match a {
        Some(a) => format!(
            "  accuracy {}% ({}/{})",
            number(100.0 * a.fraction(), 4),
            a.right,
            a.total
        ),
        None => String::new(),
    }
}

fn report(io: &mut Io, fit: &Fit, before: Score, after: Score) -> Result<(), Failure> {
    if fit.interrupted {
        writeln!(
            io.out,
            "interrupted after {} epochs ({} steps): keeping the params so far",
            fit.epochs, fit.steps
        )?;
    }
    writeln!(io.out, "trained: {}", score_text(after, before))?;
    Ok(())
}

/// `loss 0.1 (before training: 0.7), accuracy 95% (19/20)`; without the
/// bracket when `before` is `after`.
fn score_text(after: Score, before: Score) -> String {
    let before = if before == after {
        String::new()
    } else {
        format!(" (before training: {})", number(before.loss, 6))
    };
    format!(
        "loss {}{before}{}",
        number(after.loss, 6),
        accuracy_text(after.accuracy).replacen("  ", ", ", 1)
    )
}

/// An epoch's line of the log: its loss and accuracy, then the held-out
/// rows' (the columns line up: `rows` is the most an accuracy counts).
fn epoch_line(e: &Epoch, width: usize, rows: usize) -> String {
    let mut line = format!(
        "epoch {:>width$}  loss {:<12}{}",
        e.epoch,
        number(e.loss, 6),
        accuracy_text(e.accuracy)
    );
    if let Some(t) = e.test {
        if e.accuracy.is_some() {
            // As wide as the widest accuracy text of this run.
            let total = e.accuracy.map_or(rows, |a| a.total.max(rows)).to_string();
            let widest = format!("  accuracy 99.99% ({total}/{total})").len();
            let used = accuracy_text(e.accuracy).len();
            line.push_str(&" ".repeat(widest.saturating_sub(used)));
        }
        line.push_str(&format!(
            "  test loss {:<12}{}",
            number(t.loss, 6),
            accuracy_text(t.accuracy).replace("  accuracy", "  test accuracy")
        ));
    }
    line
}
