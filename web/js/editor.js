// The editor: a plain <textarea> with line numbers, and bpc's diagnostics
// shown at their line (the number marked, the line tinted, the column
// underlined) and listed below with bpc's own message.

export class Editor {
  /**
   * @param {{text: HTMLTextAreaElement, gutter: HTMLElement, marks: HTMLElement,
   *          problems: HTMLElement, onInput: () => void}} parts
   */
  constructor({ text, gutter, marks, problems, onInput }) {
    this.text = text;
    this.gutter = gutter;
    this.marks = marks;
    this.problems = problems;
    this.lines = 0;
    this.diagnostics = [];
    text.addEventListener("input", () => {
      this.renumber();
      onInput();
    });
    text.addEventListener("scroll", () => this.place());
    text.addEventListener("keydown", (e) => {
      // Tab inserts two spaces (YAML forbids tabs for indentation).
      if (e.key === "Tab" && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        document.execCommand("insertText", false, "  ");
      }
    });
    new ResizeObserver(() => this.place()).observe(text);
  }

  get value() {
    return this.text.value;
  }

  /** Replaces the whole text (another file was opened). */
  set value(v) {
    this.text.value = v;
    this.text.scrollTop = 0;
    this.renumber();
  }

  /** Line numbers, one per line of the text, marked where a diagnostic points. */
  renumber() {
    const lines = this.text.value.split("\n").length;
    if (lines === this.lines) return;
    this.lines = lines;
    this.drawGutter();
  }

  drawGutter() {
    const marked = new Map();
    for (const d of this.diagnostics) {
      if (d.in_spec && !marked.has(d.line)) marked.set(d.line, d.severity);
    }
    const frag = document.createDocumentFragment();
    for (let n = 1; n <= this.lines; n++) {
      const span = document.createElement("span");
      span.textContent = String(n);
      const severity = marked.get(n);
      if (severity) {
        span.className = severity === "warning" ? "warn" : "bad";
        span.dataset.line = String(n);
      }
      frag.append(span, "\n");
    }
    this.gutter.replaceChildren(frag);
    this.gutter.scrollTop = this.text.scrollTop;
  }

  /** Shows `diagnostics` (as /api/run answers them); [] clears them. */
  show(diagnostics) {
    const key = JSON.stringify(diagnostics);
    if (key === this.shown) return;
    this.shown = key;
    this.diagnostics = diagnostics;
    this.drawGutter();
    this.place();
    const items = diagnostics.map((d) => {
      const item = document.createElement("div");
      item.className = `problem ${d.severity}`;
      const where = document.createElement("div");
      where.className = "where";
      where.textContent = d.line
        ? `${d.in_spec ? "line" : d.file + ", line"} ${d.line}, column ${d.column}`
        : d.severity;
      const text = document.createElement("pre");
      text.textContent = d.rendered;
      item.append(where, text);
      if (d.in_spec) {
        item.dataset.line = String(d.line);
        item.addEventListener("click", () => this.select(d.line, d.column));
      }
      return item;
    });
    this.problems.replaceChildren(...items);
  }

  /** Tints each marked line and underlines its span, where it is scrolled to. */
  place() {
    this.gutter.scrollTop = this.text.scrollTop;
    const style = getComputedStyle(this.text);
    const lineHeight = parseFloat(style.lineHeight) || 18;
    const top = parseFloat(style.paddingTop) - this.text.scrollTop;
    const left = parseFloat(style.paddingLeft) - this.text.scrollLeft;
    const ch = this.charWidth(style);
    const frag = document.createDocumentFragment();
    for (const d of this.diagnostics) {
      if (!d.in_spec) continue;
      const bar = document.createElement("div");
      bar.className = d.severity === "warning" ? "mark warn" : "mark";
      bar.style.top = `${top + (d.line - 1) * lineHeight}px`;
      bar.dataset.line = String(d.line);
      const under = document.createElement("div");
      under.className = "col";
      const width = d.end_line === d.line ? Math.max(d.end_column - d.column, 1) : 1;
      under.style.top = `${top + d.line * lineHeight - 2}px`;
      under.style.left = `${left + (d.column - 1) * ch}px`;
      under.style.width = `${width * ch}px`;
      frag.append(bar, under);
    }
    this.marks.replaceChildren(frag);
  }

  charWidth(style) {
    if (!this.ch) {
      const probe = document.createElement("span");
      probe.style.font = style.font;
      probe.style.position = "absolute";
      probe.style.visibility = "hidden";
      probe.textContent = "0".repeat(100);
      document.body.append(probe);
      this.ch = probe.getBoundingClientRect().width / 100 || 8;
      probe.remove();
    }
    return this.ch;
  }

  /** Puts the cursor at a line and column, scrolled into view. */
  select(line, column) {
    const lines = this.text.value.split("\n");
    let at = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
    at += Math.max(column - 1, 0);
    this.text.focus();
    this.text.setSelectionRange(at, at);
    const lineHeight = parseFloat(getComputedStyle(this.text).lineHeight) || 18;
    const want = (line - 1) * lineHeight;
    if (want < this.text.scrollTop || want > this.text.scrollTop + this.text.clientHeight - lineHeight) {
      this.text.scrollTop = Math.max(want - this.text.clientHeight / 3, 0);
    }
  }
}
