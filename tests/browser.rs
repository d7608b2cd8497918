//! The page of `bpc serve` in a real browser: headless Chromium, driven over
//! the DevTools protocol, against a server in this process. Skipped (with a
//! message) when no Chromium is installed, unless `BPC_BROWSER_TESTS=1`
//! (CI), where a missing browser is a failure.
//!
//! The fruit page shows 220 and the gradient 110; setting `n_X` to 3 shows
//! 330 and the gradient's prediction; a syntax error shows bpc's message at
//! its line; the step-through walks forward then backward; training xor
//! draws its loss. A screenshot of the fruit page goes to
//! `target/serve-fruit.png` (the README's `docs/serve.png` is one).

mod browser_cdp;
mod common;

use std::path::{Path, PathBuf};

use bpc::serve::{Options, Server};
use browser_cdp::{Browser, find_chromium, required};
use serde_json::json;

/// Serves `specs/` and `exercises/` on a free port, in the background.
fn serve() -> String {
    let server = Server::bind(&Options {
        paths: vec![PathBuf::from("specs"), PathBuf::from("exercises")],
        ..Options::default()
    })
    .unwrap();
    let url = server.url();
    std::thread::spawn(move || server.run());
    url
}

/// The browser, or None (and a message) when there is none and none is required.
fn browser() -> Option<Browser> {
    match find_chromium() {
        Some(binary) => Some(Browser::launch(&binary)),
        None if required() => {
            panic!("BPC_BROWSER_TESTS=1 but no Chromium found (set BPC_CHROMIUM)")
        }
        None => {
            // Straight to stderr, past the test harness's capture, so that
            // a plain `cargo test` shows it.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "tests/browser.rs: skipped: no Chromium on PATH (install Debian's `chromium`, or set BPC_CHROMIUM; BPC_BROWSER_TESTS=1 makes this a failure)"
            );
            None
        }
    }
}

/// The texts of the graph's SVG, joined by `|`.
const SVG_TEXT: &str =
    "[...document.querySelectorAll('#graph svg text')].map(t => t.textContent).join('|')";

/// A table cell: `column` 3 is the value, 4 the gradient.
fn cell(name: &str, column: usize) -> String {
    format!(
        "document.querySelector('#table tr[data-name={}]')?.cells[{column}]?.textContent",
        json!(name)
    )
}

#[test]
fn the_fruit_page_shows_values_reacts_and_reports_errors() {
    let Some(mut b) = browser() else { return };
    let url = serve();
    b.open(&format!("{url}?file=specs/fruit.yaml"));

    // 2 x 100 x 1.1 = 220; d total / d n_X = 1.1 x 100 = 110, in the picture and the table.
    b.wait_for(
        &format!("{SVG_TEXT}.includes('|220|') && {SVG_TEXT}.includes('∂ 110')"),
        60,
    );
    assert_eq!(b.eval(&cell("total_price", 3)), json!("220"));
    assert_eq!(b.eval(&cell("n_X", 4)), json!("110"));
    // Let the drawing settle before the picture is taken.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-fruit.png");
    b.screenshot(&shot);
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);

    // n_X = 3: 330, and the gradient's prediction of the change, exact here.
    b.eval(
        "(() => { const f = document.getElementById('set-n_X'); f.focus(); f.select(); return true; })()",
    );
    b.type_text("3");
    b.wait_for(&format!("{SVG_TEXT}.includes('|330|')"), 30);
    assert_eq!(b.eval(&cell("total_price", 3)), json!("330"));
    assert_eq!(
        b.eval("document.getElementById('compare').textContent"),
        json!("total_price 220 -> 330: +110 (gradient predicts 110 × 1 = +110)")
    );
    // Only numbers changed: that answer had the label texts, not the DOT
    // (docs/serve.md, "Numbers only"), so it was the smaller one.
    let sizes = b.eval(
        "performance.getEntriesByType('resource').filter(r => r.name.endsWith('/api/run')).map(r => r.encodedBodySize)",
    );
    let sizes: Vec<u64> = sizes
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap())
        .collect();
    assert!(
        sizes.len() >= 2 && sizes[sizes.len() - 1] < sizes[0],
        "{sizes:?}"
    );
    // The picture of the README: wait for the relayout after the last change
    // (the DOT put together again from the labels), which shows the same.
    std::thread::sleep(std::time::Duration::from_millis(800));
    b.wait_for(&format!("{SVG_TEXT}.includes('|330|')"), 30);
    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-fruit-n_X-3.png");
    b.screenshot(&shot);

    // A syntax error: bpc's message, at its line.
    let text = std::fs::read_to_string(common::root("specs/fruit.yaml")).unwrap();
    let line = text.lines().position(|l| l == "  price_Y: 100").unwrap() + 1;
    let offset = text.find("  price_Y: 100").unwrap() + "  price_Y: ".len();
    b.eval(&format!(
        "(() => {{ const t = document.getElementById('text'); t.focus(); t.setSelectionRange({offset}, {offset}); return true; }})()"
    ));
    b.type_text("[");
    // The list is left open; the parser stops at the next key's `:`.
    let at = format!("[specs/fruit.yaml:{}:8]", line + 1);
    let problem = b.wait_for(
        "document.querySelector('#problems .problem pre')?.textContent",
        30,
    );
    let problem = problem.as_str().unwrap();
    assert!(problem.contains(&at), "{problem}");
    assert!(problem.contains("bpc::yaml"), "{problem}");
    assert_eq!(
        b.eval("[...document.querySelectorAll('#gutter .bad')].map(s => s.textContent)"),
        json!([(line + 1).to_string()])
    );
    assert_eq!(
        b.eval("document.querySelector('#problems .where').textContent"),
        json!(format!("line {}, column 8", line + 1))
    );
    b.screenshot(&Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-fruit-error.png"));
    // The same message as the command line, for the same text.
    let dir = std::env::temp_dir().join(format!("bpc-browser-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("specs")).unwrap();
    let broken = format!("{}[{}", &text[..offset], &text[offset..]);
    std::fs::write(dir.join("specs/fruit.yaml"), &broken).unwrap();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_bpc"))
        .args(["run", "specs/fruit.yaml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(String::from_utf8_lossy(&cli.stderr), problem);

    // Fixed again: the picture comes back, the marks go.
    b.eval("(() => { const t = document.getElementById('text'); t.setSelectionRange(t.selectionStart - 1, t.selectionStart); return document.execCommand('delete'); })()");
    b.wait_for("document.querySelectorAll('#gutter .bad').length === 0", 30);
    // A patched label cell shows the text bpc's DOT escaped: tags dropped,
    // each entity decoded once.
    assert_eq!(
        b.eval(
            "import('/js/graph.js').then(g => [g.cellText('0.5'), g.cellText('<FONT COLOR=\"#c0392b\">\u{2202} 110</FONT>'), \
             g.cellText('<B>a&amp;lt;b &lt;&gt;&quot;&#20154;</B>')])"
        ),
        json!(["0.5", "\u{2202} 110", "a&lt;b <>\"\u{4eba}"])
    );
    assert!(
        b.console.iter().all(|m| !m.starts_with("exception")),
        "{:#?}",
        b.console
    );
}

#[test]
fn the_step_through_walks_forward_then_backward() {
    let Some(mut b) = browser() else { return };
    let url = serve();
    b.open(&format!("{url}?file=specs/fruit.yaml"));
    b.wait_for(&format!("{SVG_TEXT}.includes('|220|')"), 60);
    b.eval("document.querySelector('[data-tab=step]').click()");
    // The steps are bpc explain's.
    b.wait_for(
        "document.querySelectorAll('#step-list li').length === 10",
        30,
    );
    let current = "document.querySelector('#graph .bpc-current title')?.textContent";
    let line = "document.getElementById('step-line').textContent";
    b.eval("document.getElementById('step-next').click()");
    assert_eq!(b.eval(current), json!("n_X"));
    assert_eq!(b.eval(line), json!("n_X = 2  (input)"));
    for _ in 0..3 {
        b.eval("document.getElementById('step-next').click()");
    }
    assert_eq!(b.eval(current), json!("fruit_price"));
    assert_eq!(
        b.eval(line),
        json!("fruit_price = price_Y × n_X = 100 × 2 = 200")
    );
    // After the output's forward step, the backward pass starts at it (the seed).
    for _ in 0..2 {
        b.eval("document.getElementById('step-next').click()");
    }
    assert_eq!(b.eval(current), json!("total_price"));
    assert!(
        b.eval(line)
            .as_str()
            .unwrap()
            .starts_with("d total_price / d total_price = 1  (the seed)")
    );
    // The multiply layer hands back the upstream gradient times the other input.
    b.eval("document.getElementById('step-next').click()");
    assert_eq!(b.eval(current), json!("fruit_price"));
    let back = b.eval(line);
    assert!(
        back.as_str().unwrap().contains(
            "d total_price / d n_X = d total_price / d fruit_price × d fruit_price / d n_X = 1.1 × price_Y = 1.1 × 100 = 110"
        ),
        "{back}"
    );
    assert_eq!(
        b.eval("document.querySelector('#table tr.current')?.dataset.name"),
        json!("fruit_price")
    );
    b.eval("document.getElementById('step-last').click()");
    assert_eq!(b.eval(current), json!("b_TAX"));
    assert_eq!(b.eval(line), json!("d total_price / d b_TAX = 200"));
}

#[test]
fn training_xor_draws_its_loss_and_moves_the_params() {
    let Some(mut b) = browser() else { return };
    let url = serve();
    b.open(&format!("{url}?file=specs/xor.yaml"));
    b.wait_for(&format!("{SVG_TEXT}.includes('W1')"), 60);
    b.eval("document.querySelector('[data-tab=train]').click()");
    b.eval("document.getElementById('train-epochs').value = '300'");
    b.eval("document.getElementById('train-start').click()");
    let status = b.wait_for(
        "(s => s.startsWith('trained') && s)(document.getElementById('train-status').textContent)",
        60,
    );
    assert!(
        status
            .as_str()
            .unwrap()
            .starts_with("trained (300 epochs): loss "),
        "{status}"
    );
    assert!(
        b.eval("document.querySelector('#loss path.curve')?.getAttribute('d')?.length > 100")
            == json!(true)
    );
    b.screenshot(&Path::new(env!("CARGO_MANIFEST_DIR")).join("target/serve-xor-train.png"));
    // The trained params are on the graph: W2 shows as changed in the controls.
    b.wait_for(
        "document.querySelector('#controls .tensor.changed')?.textContent.includes('changed')",
        30,
    );
}

/// The latency bench of `bench/serve_latency.sh` (run with `--ignored`):
/// slider moves, value edits and structural edits on a 200-node graph,
/// each timed by the page's `bpc:redraw` measure (from the input event to
/// the picture and the table updated and laid out).
#[test]
#[ignore = "a benchmark: bench/serve_latency.sh"]
fn redraw_latency_200_nodes() {
    let Some(mut b) = browser() else { return };
    let server = Server::bind(&Options {
        paths: vec![PathBuf::from("bench")],
        ..Options::default()
    })
    .unwrap();
    let url = server.url();
    std::thread::spawn(move || server.run());
    b.open(&format!("{url}?file=bench/serve_200.yaml"));
    b.wait_for(
        "document.querySelectorAll('#graph g.node').length === 200",
        120,
    );
    // Each input is sent by one evaluation that resolves when its redraw is
    // on the timeline (a PerformanceObserver, so nothing polls the page
    // while it redraws); then a pause lets the relayout that follows a patch
    // finish before the next input.
    let redraw = |b: &mut Browser, act: &str, pause_ms: u64| {
        b.eval(&format!(
            "(async () => {{ const n = performance.getEntriesByName('bpc:redraw').length + 1; \
             const done = new Promise((resolve) => new PerformanceObserver((_, o) => {{ \
               if (performance.getEntriesByName('bpc:redraw').length >= n) {{ o.disconnect(); resolve(true); }} \
             }}).observe({{ type: 'measure' }})); \
             ({act})(); return await done; }})()"
        ));
        std::thread::sleep(std::time::Duration::from_millis(pause_ms));
    };
    // The first drawing is not counted (nor any of its parts or requests).
    b.eval("performance.clearMeasures(); performance.clearResourceTimings()");
    // Slider moves: w0 from 0.8 up, one tick at a time, as a drag does.
    for k in 1..=30 {
        redraw(
            &mut b,
            &format!(
                "() => {{ const s = document.querySelector('input[type=range][data-name=w0]'); s.value = String(0.8 + {k} * 0.01); s.dispatchEvent(new Event('input', {{bubbles: true}})); }}"
            ),
            1500,
        );
    }
    // Edits of a number in the text: `x: 0.5` -> `x: 0.51`, `x: 0.52`, ...
    let text = std::fs::read_to_string(common::root("bench/serve_200.yaml")).unwrap();
    let at = text.find("  x: 0.5").unwrap() + "  x: 0.5".len();
    for k in 1..=10 {
        redraw(
            &mut b,
            &format!(
                "() => {{ const t = document.getElementById('text'); t.focus(); t.setSelectionRange({at}, {at} + {len}); document.execCommand('insertText', false, '{k}'); }}",
                len = if k == 1 { 0 } else { 1 }
            ),
            1500,
        );
    }
    // Structural edits: the output changes from `loss` to `h65` and back.
    for k in 0..6 {
        let (from, to) = if k % 2 == 0 {
            ("output: loss", "output: h65")
        } else {
            ("output: h65", "output: loss")
        };
        redraw(
            &mut b,
            &format!(
                "() => {{ const t = document.getElementById('text'); const i = t.value.indexOf({from}); t.focus(); t.setSelectionRange(i, i + {n}); document.execCommand('insertText', false, {to}); }}",
                from = json!(from),
                n = from.len(),
                to = json!(to)
            ),
            300,
        );
    }
    // Each redraw with its parts: [path, total, request, table, graph, layout].
    let entries = b.eval(
        "(() => { const m = n => performance.getEntriesByName(n); \
         const [r, e, t, g, l] = ['bpc:redraw', 'bpc:evaluate', 'bpc:table', 'bpc:graph', 'bpc:layout'].map(m); \
         return r.map((x, i) => [x.detail, x.duration, e[i]?.duration, t[i]?.duration, g[i]?.duration, l[i]?.duration]); })()",
    );
    let mut by: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for e in entries.as_array().unwrap() {
        let path = e[0].as_str().unwrap();
        for (k, part) in ["", ".request", ".table", ".graph", ".layout"]
            .iter()
            .enumerate()
        {
            by.entry(format!("{path}{part}"))
                .or_default()
                .push(e[k + 1].as_f64().unwrap_or(f64::NAN));
        }
    }
    // The requests, by the browser's resource timing and the server's
    // `Server-Timing`: the evaluation itself, and the server's whole part.
    let requests = b.eval(
        "performance.getEntriesByType('resource').filter(r => r.name.endsWith('/api/run')).map(r => \
         [r.responseEnd - r.startTime, ...['work', 'total'].map(n => r.serverTiming.find(t => t.name === n)?.duration), \
          r.responseEnd - r.responseStart, r.encodedBodySize])",
    );
    for e in requests.as_array().unwrap() {
        for (k, part) in [
            "fetch",
            "fetch.work",
            "fetch.server",
            "fetch.body",
            "fetch.kB",
        ]
        .iter()
        .enumerate()
        {
            let x = e[k].as_f64().unwrap_or(f64::NAN);
            let x = if k == 4 { x / 1000.0 } else { x };
            by.entry(part.to_string()).or_default().push(x);
        }
    }
    println!("redraw latency on a 200-node graph (ms, input event to picture and table updated):");
    for (path, mut ms) in by {
        ms.sort_by(f64::total_cmp);
        let q = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
        println!(
            "  {path:<14} n={:<3} min {:>7.1}  median {:>7.1}  p90 {:>7.1}  max {:>7.1}",
            ms.len(),
            ms[0],
            q(0.5),
            q(0.9),
            ms[ms.len() - 1]
        );
    }
}
