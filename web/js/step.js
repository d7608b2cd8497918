// Step through an evaluation, one leaf or node at a time, highlighted in the
// graph and the table: forward in evaluation order, then backward from the
// output down, then each leaf's gradient. The lines are `bpc explain`'s
// (POST /api/explain): each node's formula with the numbers plugged in, and
// what each argument gets on the way back, upstream × local derivative.

const PHASES = {
  forward: "Forward: each value from its arguments, in evaluation order",
  backward: "Backward: the gradient from above times each argument's local derivative",
  gradient: "Gradients of the inputs and params: the sum over their uses",
};

/** Steps from a /api/run answer alone, for when explain gives none. */
function plainSteps(result) {
  const text = (lines) => (lines.length === 1 ? lines[0] : `[${lines.length} rows]`);
  const of = result.output_scalar ? result.output : `sum(${result.output})`;
  const forward = result.rows.map((r) => ({
    node: r.name,
    phase: "forward",
    lines: [r.kind === "node" ? `${r.name} = ${r.op}(${r.args.join(", ")}) = ${text(r.value_lines)}` : `${r.name} = ${text(r.value_lines)}  (${r.kind})`],
  }));
  const backward = [...result.rows].reverse().map((r) => ({
    node: r.name,
    phase: "backward",
    lines: [`d ${of} / d ${r.name} = ${text(r.grad_lines)}`],
  }));
  return [...forward, ...backward];
}

export class Stepper {
  /**
   * @param {{list: HTMLOListElement, line: HTMLElement, phase: HTMLElement,
   *          count: HTMLElement, onShow: (name: string | null) => void,
   *          explain: () => Promise<object[] | null>}} parts
   */
  constructor({ list, line, phase, count, onShow, explain }) {
    Object.assign(this, { list, line, phase, count, onShow, explain });
    this.steps = [];
    this.at = -1;
    this.result = null;
    this.built = null;
    this.asking = 0;
  }

  visible() {
    return !this.list.closest("[hidden]");
  }

  /** A new evaluation; its steps are fetched when they are shown. */
  load(result) {
    this.result = result;
    if (this.visible()) this.refresh();
  }

  /** Fetches the steps of the latest evaluation (unless it has them). */
  async refresh() {
    if (!this.result || this.result === this.built) {
      this.render();
      return;
    }
    const result = this.result;
    const mine = ++this.asking;
    let steps = null;
    try {
      steps = await this.explain();
    } catch {
      steps = null;
    }
    if (mine !== this.asking) return;
    this.built = result;
    this.set(steps ?? plainSteps(result));
    this.render();
  }

  /** New steps; the position is kept where the same step exists. */
  set(steps) {
    const was = this.steps[this.at];
    this.steps = steps;
    const items = steps.map((s, i) => {
      const li = document.createElement("li");
      li.textContent = s.lines.join("\n");
      li.addEventListener("click", () => this.go(i));
      return li;
    });
    this.list.replaceChildren(...items);
    this.at = was ? steps.findIndex((s) => s.node === was.node && s.phase === was.phase) : -1;
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
    const s = this.steps[this.at];
    [...this.list.children].forEach((li, i) => li.classList.toggle("current", i === this.at));
    this.list.children[this.at]?.scrollIntoView?.({ block: "nearest" });
    this.count.textContent = this.steps.length
      ? `step ${Math.max(this.at + 1, 0)} of ${this.steps.length}`
      : "";
    this.phase.textContent = s ? PHASES[s.phase] ?? s.phase : "Press ▶ to start with the first leaf.";
    this.line.textContent = s ? s.lines.join("\n") : "";
    this.onShow(s?.node ?? null);
  }
}
