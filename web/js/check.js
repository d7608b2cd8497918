// The check tab: `bpc check` of the open file as saved, each expectation and
// each gradient check marked: right, close, wrong or blank; passed, failed or
// skipped.

import * as api from "./api.js";
import { number, toNumber } from "./format.js";

/** A value from the check report, short. */
function brief(v) {
  if (v === null || v === undefined) return "hidden";
  if (Array.isArray(v)) return JSON.stringify(v).slice(0, 60);
  return number(toNumber(v));
}

export class Checker {
  /**
   * @param {{run: HTMLButtonElement, note: HTMLElement, list: HTMLElement, text: HTMLElement}} el
   * @param {{file: () => string | null, dirty: () => boolean}} page
   */
  constructor(el, page) {
    this.el = el;
    this.page = page;
    el.run.addEventListener("click", () => this.check());
  }

  /** Clears the results (another file, or the text changed). */
  reset() {
    this.el.list.replaceChildren();
    this.el.text.textContent = "";
    this.note();
  }

  note(extra = "") {
    const file = this.page.file();
    const dirty = this.page.dirty() ? " The editor has unsaved changes: save to check them." : "";
    this.el.note.textContent = file ? `Checks ${file} as saved.${dirty} ${extra}` : "Save the spec to a file to check it.";
    this.el.run.disabled = !file;
  }

  async check() {
    const file = this.page.file();
    if (!file) return;
    this.el.run.disabled = true;
    this.note("checking…");
    try {
      const r = await api.post("/api/check", { file });
      this.show(r);
    } catch (e) {
      this.note(`failed: ${e.message}`);
    } finally {
      this.el.run.disabled = false;
    }
  }

  show(r) {
    const items = [];
    const item = (status, text) => {
      const li = document.createElement("li");
      li.className = status;
      li.textContent = text;
      items.push(li);
    };
    const spec = r.body.report?.specs?.[0];
    if (r.status !== 200 || !spec) {
      item("failed", r.body.stderr ?? r.body.error ?? `HTTP ${r.status}`);
    } else {
      if (spec.problem) item("failed", `${spec.problem.location ?? ""} ${spec.problem.message}`);
      for (const e of spec.expect) {
        const what = e.kind === "grad" ? `d ${spec.output} / d ${e.name}` : e.name;
        if (e.verdict === "unanswered") {
          item("unanswered", `${what}: not answered yet`);
          continue;
        }
        const got = e.verdict === "correct" ? "" : `, computed ${brief(e.computed)}`;
        const verdict = e.verdict === "correct" ? "" : ` (${e.verdict}${e.reason ? `: ${e.reason}` : ""})`;
        item(e.verdict === "close" ? "close" : e.status, `${what} = ${brief(e.expected)} answered${got}${verdict}`);
      }
      for (const g of spec.gradcheck ?? []) {
        const worst = g.worst ? `, worst relative error ${number(toNumber(g.worst.error), 3)}` : "";
        const why = g.skip_reason ? ` (${g.skip_reason})` : "";
        item(g.status, `gradient of ${g.name}: ${g.checked} of ${g.elements} checked against finite differences${worst}${why}`);
      }
    }
    this.el.list.replaceChildren(...items);
    this.el.text.textContent = r.body.text ?? "";
    const c = r.body.report;
    if (!c) return this.note("");
    const a = c.answers, g = c.gradient_check;
    const answers = a.total ? `answers: ${a.correct} of ${a.total} right${a.unanswered ? `, ${a.unanswered} blank` : ""}. ` : "";
    this.note(`${answers}gradient check: ${g.passed} passed, ${g.failed} failed, ${g.skipped} skipped.`);
  }
}
