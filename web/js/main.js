// bpc serve's page: the spec list, the editor, the graph and the tabs, tied
// together. Every edit and every control re-evaluates (inputs that come
// together are sent as one request, and a newer request replaces an older
// one in flight). Each redraw is recorded on the browser's performance
// timeline as `bpc:redraw`, from the input that caused it to the picture and
// the table updated and laid out; `bpc:evaluate` (the request), `bpc:table`
// and `bpc:graph` (the picture: texts replaced, then `bpc:layout`, the
// browser's style and layout of the page) are its parts.

import * as api from "./api.js";
import { Checker } from "./check.js";
import { Editor } from "./editor.js";
import { Graph } from "./graph.js";
import { Stepper } from "./step.js";
import { Controls, RunTable } from "./table.js";
import { Trainer } from "./train.js";

const $ = (id) => document.getElementById(id);

const page = {
  file: null,
  saved: "",
  sets: {},
  last: null,
  inputAt: null,
  queued: false,
  fullDot: false,
};

const editor = new Editor({
  text: $("text"),
  gutter: $("gutter"),
  marks: $("marks"),
  problems: $("problems"),
  onInput: () => {
    page.inputAt ??= performance.now();
    // Values set with the controls stay, for the leaves that still exist.
    if (page.last) {
      const leaves = new Set(page.last.rows.filter((r) => r.kind !== "node").map((r) => r.name));
      for (const name of Object.keys(page.sets)) if (!leaves.has(name)) delete page.sets[name];
    }
    dirty();
    evaluate();
  },
});
const graph = new Graph($("graph"), $("graph-note"));
const table = new RunTable($("table"), $("view"));
const controls = new Controls($("controls"), (name, value) => {
  page.inputAt ??= performance.now();
  if (name === null) page.sets = {};
  else if (value === null) delete page.sets[name];
  else page.sets[name] = value;
  evaluate();
});
const stepper = new Stepper({
  list: $("step-list"),
  line: $("step-line"),
  phase: $("step-phase"),
  count: $("step-count"),
  onShow: (name) => {
    graph.highlight(name);
    table.highlight(name);
  },
  explain: async () => {
    const body = { spec: editor.value, set: page.sets };
    if (page.file) body.file = page.file;
    const r = await api.post("/api/explain", body);
    return r.status === 200 ? r.body.steps : null;
  },
});
const trainer = new Trainer(
  {
    none: $("train-none"),
    body: $("train-body"),
    epochs: $("train-epochs"),
    lr: $("train-lr"),
    pace: $("train-pace"),
    start: $("train-start"),
    stop: $("train-stop"),
    save: $("train-save"),
    status: $("train-status"),
    loss: $("loss"),
    params: $("train-params"),
  },
  {
    spec: () => editor.value,
    file: () => page.file,
    sets: () => page.sets,
    onParams: (params) => {
      page.inputAt ??= performance.now();
      page.sets = { ...page.sets, ...params };
      evaluate();
    },
    save: (text) => saveAs(text, trainedName()),
  },
);
const checker = new Checker(
  { run: $("check-run"), note: $("check-note"), list: $("check-list"), text: $("check-text") },
  { file: () => page.file, dirty: () => editor.value !== page.saved },
);

function status(text, error = false) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

function dirty() {
  $("dirty").hidden = editor.value === page.saved;
  checker.note();
}

/**
 * Evaluates the text with the controls' values, once for inputs that come
 * together (in one task: a microtask, not a timer, which a busy page delays).
 */
function evaluate() {
  if (page.queued) return;
  page.queued = true;
  queueMicrotask(() => {
    page.queued = false;
    send();
  });
}

async function send() {
  const started = page.inputAt ?? performance.now();
  page.inputAt = null;
  let r;
  const asked = performance.now();
  try {
    // The picture's key: a numbers-only change is answered without the DOT.
    const key = page.fullDot ? null : graph.key();
    page.fullDot = false;
    r = await api.run(editor.value, page.file, page.sets, key);
    performance.measure("bpc:evaluate", { start: asked, end: performance.now() });
  } catch (e) {
    status(`bpc serve does not answer: ${e.message}`, true);
    return;
  }
  if (r === null) return; // a newer evaluation replaced this one
  if (r.status === 200) {
    await show(r.body, started);
  } else if (r.status === 422) {
    editor.show(r.body.diagnostics ?? []);
    $("graph").classList.add("stale");
    const n = r.body.diagnostics?.length ?? 0;
    status(`${n} problem${n === 1 ? "" : "s"}: the picture shows the last valid spec`, true);
  } else {
    status(r.body.error ?? `HTTP ${r.status}`, true);
  }
}

async function show(result, started) {
  const t0 = performance.now();
  page.last = result;
  editor.show(result.diagnostics);
  table.show(result);
  controls.show(result, page.sets);
  $("compare").textContent = result.compare?.line ?? "";
  stepper.load(result);
  trainer.available(result.train);
  status(result.exit === 0 ? "" : "a value is not finite (see below the editor)", result.exit !== 0);
  const t1 = performance.now();
  performance.measure("bpc:table", { start: t0, end: t1 });
  const how = await graph.show(result);
  if (how === "missing") {
    // The picture changed meanwhile: ask again, for the whole DOT.
    page.fullDot = true;
    page.inputAt ??= started;
    evaluate();
  } else if (how) {
    const patched = performance.now();
    $("graph").getBoundingClientRect(); // styles and layout done: ready to paint
    const end = performance.now();
    performance.measure("bpc:layout", { start: patched, end, detail: how });
    performance.measure("bpc:graph", { start: t1, end, detail: how });
    performance.measure("bpc:redraw", { start: started, end, detail: how });
  }
}

async function open(file, push = true) {
  const r = await api.get(`/api/spec?file=${encodeURIComponent(file)}`);
  if (r.status !== 200) {
    status(r.body.error ?? `cannot open ${file}`, true);
    return;
  }
  page.file = r.body.file;
  page.saved = r.body.text;
  page.sets = {};
  page.last = null;
  graph.clear();
  editor.value = r.body.text;
  editor.show([]);
  $("file-name").textContent = page.file;
  $("save").disabled = false;
  $("save-as").disabled = false;
  document.title = `${page.file} · bpc`;
  if (push) history.pushState({ file }, "", `/?file=${encodeURIComponent(file)}`);
  for (const a of $("spec-list").querySelectorAll("a")) {
    if (a.dataset.file === page.file) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  checker.reset();
  dirty();
  page.inputAt = performance.now();
  evaluate();
}

async function list() {
  const r = await api.get("/api/specs");
  const items = (r.body.specs ?? []).map((file) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `/?file=${encodeURIComponent(file)}`;
    a.textContent = file;
    a.title = file;
    a.dataset.file = file;
    if (file === page.file) a.setAttribute("aria-current", "page");
    a.addEventListener("click", (e) => {
      e.preventDefault();
      open(file);
    });
    li.append(a);
    return li;
  });
  $("spec-list").replaceChildren(...items);
}

async function save() {
  if (!page.file) return saveAs(editor.value, "untitled.yaml");
  const text = editor.value;
  const r = await api.post("/api/save", { file: page.file, spec: text, overwrite: true });
  if (r.status === 200) {
    page.saved = text;
    dirty();
    status(`saved ${r.body.saved}`);
  } else {
    status(r.body.error ?? `HTTP ${r.status}`, true);
  }
}

/** Saves `text` under a name the user picks; asks before replacing a file. */
async function saveAs(text, suggestion) {
  const file = window.prompt("Save as (a .yaml path in a served folder):", suggestion);
  if (!file) return;
  const body = { file, spec: text };
  if (page.file) body.from = page.file;
  let r = await api.post("/api/save", body);
  if (r.status === 409 && r.body.exists) {
    if (!window.confirm(`${file} exists. Replace it?`)) return;
    r = await api.post("/api/save", { ...body, overwrite: true });
  }
  if (r.status !== 200) {
    status(r.body.error ?? `HTTP ${r.status}`, true);
    return;
  }
  status(`saved ${r.body.saved}`);
  await list();
  if (text === editor.value) {
    page.file = r.body.saved;
    page.saved = text;
    $("file-name").textContent = page.file;
    history.pushState({ file: page.file }, "", `/?file=${encodeURIComponent(page.file)}`);
    dirty();
  }
}

function trainedName() {
  const f = page.file ?? "untitled.yaml";
  return f.replace(/\.ya?ml$/, "") + ".trained.yaml";
}

function tab(name) {
  for (const b of $("tabs").querySelectorAll("button")) {
    b.setAttribute("aria-selected", String(b.dataset.tab === name));
  }
  for (const t of ["run", "step", "train", "check"]) $(`tab-${t}`).hidden = t !== name;
  if (name === "step") stepper.refresh();
  else {
    graph.highlight(null);
    table.highlight(null);
  }
}

$("tabs").addEventListener("click", (e) => {
  const name = e.target.closest?.("button")?.dataset.tab;
  if (name) tab(name);
});
$("step-first").addEventListener("click", () => stepper.go(0));
$("step-prev").addEventListener("click", () => stepper.prev());
$("step-next").addEventListener("click", () => stepper.next());
$("step-last").addEventListener("click", () => stepper.go(Infinity));
$("save").addEventListener("click", save);
$("save-as").addEventListener("click", () => saveAs(editor.value, page.file ?? "untitled.yaml"));
document.addEventListener("keydown", (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key === "s") {
    e.preventDefault();
    save();
  }
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
  if (!$("tab-step").hidden && !typing) {
    if (e.key === "ArrowRight") stepper.next();
    if (e.key === "ArrowLeft") stepper.prev();
  }
});
window.addEventListener("popstate", () => {
  const file = new URLSearchParams(location.search).get("file");
  if (file) open(file, false);
});
window.addEventListener("beforeunload", (e) => {
  if (page.file && editor.value !== page.saved) e.preventDefault();
});

await list();
const first = new URLSearchParams(location.search).get("file");
if (first) {
  await open(first, false);
} else {
  $("graph-note").textContent = "Pick a spec on the left, or type one in the editor.";
}
