// Step through an evaluation: forward in evaluation order, then backward in
// reverse, one leaf or node at a time, highlighted in the graph and the
// table, with what it computes and the numbers plugged in.

import { number, toNumber } from "./format.js";

/** A value as it reads in a formula: a scalar's number, a tensor's shape. */
function shown(values, rows, name) {
  const v = values[name];
  if (v === undefined) return name; // a literal argument: its own text
  if (Array.isArray(v)) return `${name}${rows.get(name)?.shape_text ?? ""}`;
  return number(toNumber(v));
}

/** The steps of one /api/run answer. */
export function steps(result) {
  const rows = new Map(result.rows.map((r) => [r.name, r]));
  const out = result.output;
  const text = (lines) => (lines.length === 1 ? lines[0] : `[${lines.length} rows]`);
  const forward = result.rows.map((r) => {
    if (r.kind !== "node") {
      return { name: r.name, phase: "forward", line: `${r.name} = ${text(r.value_lines)}   (${r.kind}${r.data ? ", data" : ""})` };
    }
    const call = `${r.op}(${r.args.join(", ")})`;
    const plugged = `${r.op}(${r.args.map((a) => shown(result.values, rows, a)).join(", ")})`;
    const parts = [`${r.name} = ${call}`];
    if (plugged !== call) parts.push(plugged);
    parts.push(text(r.value_lines));
    return { name: r.name, phase: "forward", line: parts.join(" = ") };
  });
  const backward = [...result.rows].reverse().map((r) => {
    const seed = r.name === out ? "   (the seed: d out / d out)" : "";
    const of = result.output_scalar ? out : `sum(${out})`;
    return {
      name: r.name,
      phase: "backward",
      line: `d ${of} / d ${r.name} = ${text(r.grad_lines)}${seed}`,
    };
  });
  return [...forward, ...backward];
}

export class Stepper {
  /**
   * @param {{list: HTMLOListElement, line: HTMLElement, phase: HTMLElement,
   *          count: HTMLElement, onShow: (name: string | null) => void}} parts
   */
  constructor({ list, line, phase, count, onShow }) {
    Object.assign(this, { list, line, phase, count, onShow });
    this.steps = [];
    this.at = -1;
  }

  /** A new evaluation; its steps are made when they are shown. */
  load(result) {
    this.result = result;
    if (!this.list.closest("[hidden]")) this.render();
  }

  /** The steps of the latest evaluation; the position is kept where it can be. */
  build() {
    if (!this.result || this.result === this.built) return;
    this.built = this.result;
    const name = this.steps[this.at]?.name;
    const phase = this.steps[this.at]?.phase;
    this.steps = steps(this.result);
    const items = this.steps.map((s, i) => {
      const li = document.createElement("li");
      li.textContent = s.line;
      li.addEventListener("click", () => this.go(i));
      return li;
    });
    this.list.replaceChildren(...items);
    this.at = this.steps.findIndex((s) => s.name === name && s.phase === phase);
  }

  go(i) {
    if (!this.steps.length) return;
    this.at = Math.min(Math.max(i, 0), this.steps.length - 1);
    this.render();
  }

  next() {
    this.go(this.at + 1);
  }

  prev() {
    this.go(this.at - 1);
  }

  render() {
    this.build();
    const s = this.steps[this.at];
    [...this.list.children].forEach((li, i) => li.classList.toggle("current", i === this.at));
    this.list.children[this.at]?.scrollIntoView?.({ block: "nearest" });
    this.count.textContent = this.steps.length
      ? `step ${Math.max(this.at + 1, 0)} of ${this.steps.length}`
      : "";
    this.phase.textContent = s
      ? s.phase === "forward"
        ? "Forward: each value from its arguments, in evaluation order"
        : "Backward: each gradient, in reverse order"
      : "Press ▶ to start with the first leaf.";
    this.line.textContent = s?.line ?? "";
    this.onShow(s?.name ?? null);
  }
}
