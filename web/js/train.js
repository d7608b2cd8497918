// The train tab: start and stop `bpc train` on the open text, the loss
// curve and accuracy as they come, the params' values (also shown moving on
// the graph and in the table), and saving the trained spec.

import * as api from "./api.js";
import { flatten, number, toNumber } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 600;
const H = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 28 };

function svgEl(name, attrs, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A param's value in a few characters. */
function brief(v) {
  if (!Array.isArray(v)) return number(toNumber(v));
  const xs = flatten(v);
  const head = xs.slice(0, 4).map((x) => number(x, 4)).join(", ");
  return xs.length > 4 ? `[${head}, …] (${xs.length})` : `[${head}]`;
}

export class Trainer {
  /**
   * @param {Record<string, HTMLElement>} el the tab's elements
   * @param {{spec: () => string, file: () => string | null,
   *          sets: () => object, onParams: (params: object) => void,
   *          save: (text: string) => Promise<void>}} page
   */
  constructor(el, page) {
    this.el = el;
    this.page = page;
    this.points = [];
    this.id = null;
    this.trained = null;
    this.ctl = null;
    this.drawing = false;
    el.start.addEventListener("click", () => this.start());
    el.stop.addEventListener("click", () => this.stop());
    el.save.addEventListener("click", () => this.trained && page.save(this.trained));
  }

  /** Whether the open spec can be trained (has a `train` section). */
  available(yes) {
    this.el.none.hidden = yes;
    this.el.body.hidden = !yes;
  }

  async start() {
    this.ctl?.abort();
    this.ctl = new AbortController();
    this.points = [];
    this.trained = null;
    this.draw();
    this.el.save.disabled = true;
    this.el.start.disabled = true;
    this.el.stop.disabled = false;
    this.status("starting…");
    const body = { spec: this.page.spec(), set: this.page.sets() };
    const file = this.page.file();
    if (file) body.file = file;
    const epochs = parseInt(this.el.epochs.value, 10);
    if (epochs > 0) body.epochs = epochs;
    const lr = parseFloat(this.el.lr.value);
    if (Number.isFinite(lr)) body.lr = lr;
    const pace = parseFloat(this.el.pace.value);
    if (pace > 0) body.epochs_per_second = pace;
    try {
      const refused = await api.train(body, (name, data) => this.event(name, data), this.ctl.signal);
      if (refused) this.status(refused.body.stderr ?? refused.body.error ?? `HTTP ${refused.status}`);
    } catch (e) {
      if (e.name !== "AbortError") this.status(`training failed: ${e.message}`);
    } finally {
      this.el.start.disabled = false;
      this.el.stop.disabled = true;
      this.id = null;
    }
  }

  async stop() {
    if (this.id !== null) await api.post("/api/train/stop", { id: this.id });
  }

  event(name, d) {
    switch (name) {
      case "start":
        this.id = d.id;
        this.loss = d.loss;
        this.status(`training: loss \`${d.loss}\`, ${d.epochs} epochs, ${d.optimizer}, lr ${number(d.lr)}`);
        this.showParams(d.params);
        break;
      case "epochs":
        this.points.push(...d.epochs.map(([e, loss, acc]) => [e, toNumber(loss), acc]));
        this.scheduleDraw();
        break;
      case "params":
        this.showParams(d.params);
        this.page.onParams(d.params);
        break;
      case "done": {
        this.trained = d.trained_spec;
        this.el.save.disabled = false;
        const acc = d.after.accuracy === null ? "" : `, accuracy ${number(100 * d.after.accuracy, 4)}%`;
        const how = d.interrupted ? `stopped after ${d.epochs_run} epochs` : `${d.epochs_run} epochs`;
        this.status(`trained (${how}): loss ${number(toNumber(d.after.loss))} (before training: ${number(toNumber(d.before.loss))})${acc}`);
        this.showParams(d.params);
        this.page.onParams(d.params);
        this.scheduleDraw();
        break;
      }
      case "error":
        this.status(d.stderr);
        break;
    }
  }

  status(text) {
    this.el.status.textContent = text;
  }

  showParams(params) {
    const rows = Object.entries(params).map(([name, v]) => {
      const tr = document.createElement("tr");
      const a = document.createElement("td");
      a.className = "name";
      a.textContent = name;
      const b = document.createElement("td");
      b.className = "num";
      b.textContent = brief(v);
      tr.append(a, b);
      return tr;
    });
    this.el.params.tBodies[0].replaceChildren(...rows);
  }

  scheduleDraw() {
    if (this.drawing) return;
    this.drawing = true;
    requestAnimationFrame(() => {
      this.drawing = false;
      this.draw();
    });
  }

  /** The loss per epoch; logarithmic when it spans more than two decades. */
  draw() {
    const svg = this.el.loss;
    const all = this.points.filter(([, l]) => Number.isFinite(l));
    // At most about 2000 points are drawn (the last one always).
    const every = Math.ceil(all.length / 2000);
    const pts = all.filter((_, i) => i % every === 0 || i === all.length - 1);
    const parts = [svgEl("line", { class: "axis", x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }),
      svgEl("line", { class: "axis", x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom })];
    if (pts.length) {
      const lo = pts.reduce((m, p) => Math.min(m, p[1]), Infinity);
      const hi = pts.reduce((m, p) => Math.max(m, p[1]), -Infinity);
      const log = lo > 0 && hi / lo > 100;
      const f = (y) => (log ? Math.log10(y) : y);
      const [y0, y1] = [f(lo), f(hi) === f(lo) ? f(lo) + 1 : f(hi)];
      const e0 = pts[0][0];
      const e1 = Math.max(pts[pts.length - 1][0], e0 + 1);
      const x = (e) => PAD.left + ((e - e0) / (e1 - e0)) * (W - PAD.left - PAD.right);
      const y = (l) => H - PAD.bottom - ((f(l) - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
      const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join("");
      parts.push(svgEl("path", { class: "curve", d }));
      parts.push(svgEl("text", { x: 4, y: PAD.top + 8 }, number(hi, 4)));
      parts.push(svgEl("text", { x: 4, y: H - PAD.bottom }, number(lo, 4)));
      parts.push(svgEl("text", { x: PAD.left, y: H - 8 }, `epoch ${e0}`));
      parts.push(svgEl("text", { x: W - PAD.right - 70, y: H - 8 }, `epoch ${pts[pts.length - 1][0]}`));
      const last = pts[pts.length - 1];
      const acc = last[2] === null ? "" : `  accuracy ${number(100 * last[2], 4)}%`;
      parts.push(svgEl("text", { x: PAD.left + 80, y: PAD.top + 8 }, `loss ${number(last[1])}${acc}${log ? "  (log scale)" : ""}`));
    }
    svg.replaceChildren(...parts);
  }
}
