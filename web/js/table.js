// The run table (bpc run's, one row per leaf and node in evaluation order)
// and the controls: a slider and a number field for every scalar input and
// param, and for a small tensor a grid of its elements, opened on click.

import { flatten, nest } from "./format.js";
import { setText } from "./graph.js";

/** Tensors with more elements get no editing grid. */
const MAX_GRID = 100;

/** The rows that tell whether controls must be rebuilt. */
function structure(rows) {
  return rows.map((r) => `${r.name}:${r.kind}:${r.shape.join("x")}:${r.data}`).join(" ");
}

/** Rows this far out of the pane count as in it (near: scrolling shows them next). */
const NEAR = "400px";

export class RunTable {
  /** @param {HTMLTableElement} table @param {HTMLElement} scroller the pane it scrolls in */
  constructor(table, scroller) {
    this.table = table;
    this.key = null;
    this.cells = [];
    // Rows known to be out of view; their new texts wait in `later` until
    // the redraw has been painted, or until they come into view.
    this.out = new Set();
    this.later = new Map();
    this.flushing = false;
    this.seen = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const i = Number(e.target.dataset.index);
          if (e.isIntersecting) {
            this.out.delete(i);
            this.write(i);
          } else {
            this.out.add(i);
          }
        }
      },
      { root: scroller, rootMargin: NEAR },
    );
  }

  /**
   * Shows one /api/run answer: the rows in view (or near it) at once, the
   * others right after the redraw is painted (a long table costs the
   * browser a layout of every row whose numbers changed).
   */
  show(result) {
    const rows = result.rows;
    const key = rows.map((r) => r.name).join(" ");
    if (key !== this.key) this.build(result);
    rows.forEach((r, i) => {
      this.later.set(i, [r.value_lines.join("\n"), r.grad_lines.join("\n")]);
      if (!this.out.has(i)) this.write(i);
    });
    if (this.later.size && !this.flushing) {
      this.flushing = true;
      requestAnimationFrame(() =>
        setTimeout(() => {
          this.flushing = false;
          for (const i of [...this.later.keys()]) this.write(i);
        }, 0),
      );
    }
  }

  /** Puts row `i`'s waiting texts in its cells. */
  write(i) {
    const texts = this.later.get(i);
    if (!texts) return;
    this.later.delete(i);
    const [value, grad] = this.cells[i];
    setText(value, texts[0]);
    setText(grad, texts[1]);
  }

  build(result) {
    this.key = result.rows.map((r) => r.name).join(" ");
    const head = document.createElement("tr");
    for (const h of ["name", "kind", "shape", "value", `d ${result.output} / d ·`]) {
      const th = document.createElement("th");
      th.textContent = h;
      head.append(th);
    }
    this.table.tHead.replaceChildren(head);
    this.cells = [];
    this.seen.disconnect();
    this.out.clear();
    this.later.clear();
    const body = result.rows.map((r, i) => {
      const tr = document.createElement("tr");
      tr.dataset.name = r.name;
      tr.dataset.index = String(i);
      this.seen.observe(tr);
      const cell = (text, cls) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        tr.append(td);
        return td;
      };
      cell(r.name, "name").title = r.name;
      cell(r.op ?? r.kind);
      cell(r.shape_text, "num");
      this.cells.push([cell("", "num"), cell("", "num grad")]);
      return tr;
    });
    this.table.tBodies[0].replaceChildren(...body);
  }

  /** Marks the row of `name` (null: none). */
  highlight(name) {
    for (const tr of this.table.tBodies[0].rows) {
      tr.classList.toggle("current", tr.dataset.name === name);
    }
  }
}

export class Controls {
  /**
   * @param {HTMLElement} box
   * @param {(name: string, value: number | number[] | null) => void} onSet
   *   a leaf got a value (null: back to the spec's own)
   */
  constructor(box, onSet) {
    this.box = box;
    this.onSet = onSet;
    this.key = null;
    this.fields = new Map();
  }

  /** Shows the leaves of one /api/run answer; `sets` are the values changed. */
  show(result, sets) {
    const leaves = result.rows.filter((r) => (r.kind === "input" || r.kind === "param") && !r.data);
    const key = structure(leaves);
    if (key !== this.key) this.build(leaves, result.values);
    for (const [name, f] of this.fields) f.update(result.values[name], name in sets);
  }

  build(leaves, values) {
    this.key = structure(leaves);
    this.fields = new Map();
    const parts = [];
    if (leaves.length) {
      const h = document.createElement("h3");
      h.textContent = "inputs and params";
      parts.push(h);
    }
    for (const r of leaves) {
      const v = values[r.name];
      const f = r.shape.length === 0 ? this.scalar(r.name, v) : this.tensor(r, v);
      if (f) {
        this.fields.set(r.name, f);
        parts.push(f.el);
      }
    }
    if (leaves.length) {
      const reset = document.createElement("button");
      reset.type = "button";
      reset.id = "reset";
      reset.textContent = "Back to the spec's values";
      reset.addEventListener("click", () => this.onSet(null, null));
      parts.push(reset);
    }
    this.box.replaceChildren(...parts);
  }

  /** A slider around the spec's own value, and a number field. */
  scalar(name, v0) {
    const el = document.createElement("div");
    el.className = "control";
    const label = document.createElement("label");
    label.textContent = name;
    label.title = name;
    const slider = document.createElement("input");
    slider.type = "range";
    const field = document.createElement("input");
    field.type = "number";
    field.step = "any";
    const id = `set-${name}`;
    field.id = id;
    label.htmlFor = id;
    slider.dataset.name = name;
    field.dataset.name = name;
    const x0 = typeof v0 === "number" && Number.isFinite(v0) ? v0 : 0;
    const span = Math.max(Math.abs(x0), 1) * 2;
    const step = 10 ** (Math.floor(Math.log10(span)) - 2);
    slider.min = String(x0 - span);
    slider.max = String(x0 + span);
    slider.step = String(step);
    slider.value = String(x0);
    field.value = String(x0);
    const send = (x) => {
      if (Number.isFinite(x)) this.onSet(name, x);
    };
    slider.addEventListener("input", () => {
      field.value = slider.value;
      send(parseFloat(slider.value));
    });
    field.addEventListener("input", () => {
      const x = parseFloat(field.value);
      if (Number.isFinite(x)) slider.value = String(x);
      send(x);
    });
    el.append(label, slider, field);
    return {
      el,
      update(v, changed) {
        el.classList.toggle("changed", changed);
        if (typeof v !== "number") return;
        if (document.activeElement !== field && parseFloat(field.value) !== v) field.value = String(v);
        if (document.activeElement !== slider && parseFloat(slider.value) !== v) slider.value = String(v);
      },
    };
  }

  /** A button naming the tensor; a click opens a grid of its elements. */
  tensor(r, v0) {
    const el = document.createElement("div");
    el.className = "tensor";
    const button = document.createElement("button");
    button.type = "button";
    const count = r.shape.reduce((a, b) => a * b, 1);
    button.textContent = `${r.name} ${r.shape_text}`;
    el.append(button);
    if (count > MAX_GRID) {
      button.disabled = true;
      button.title = `${count} elements: too many to edit here; edit the spec`;
      return { el, update() {} };
    }
    const cols = r.shape.length >= 2 ? r.shape[r.shape.length - 1] : count;
    const grid = document.createElement("div");
    grid.className = "grid";
    grid.style.gridTemplateColumns = `repeat(${cols}, auto)`;
    grid.hidden = true;
    let current = flatten(v0);
    const inputs = current.map((x, i) => {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.value = String(x);
      input.title = `${r.name} element ${i}`;
      input.addEventListener("input", () => {
        const x = parseFloat(input.value);
        if (!Number.isFinite(x)) return;
        current = current.slice();
        current[i] = x;
        this.onSet(r.name, nest(r.shape, current));
      });
      return input;
    });
    grid.append(...inputs);
    button.addEventListener("click", () => {
      grid.hidden = !grid.hidden;
    });
    el.append(grid);
    return {
      el,
      update(v, changed) {
        el.classList.toggle("changed", changed);
        const now = flatten(v);
        current = now;
        inputs.forEach((input, i) => {
          if (document.activeElement !== input && parseFloat(input.value) !== now[i]) {
            input.value = String(now[i]);
          }
        });
        button.textContent = `${r.name} ${r.shape_text}${changed ? " (changed)" : ""}`;
      },
    };
  }
}

