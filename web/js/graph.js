// The graph: the DOT `bpc dot` writes, laid out by the vendored WebAssembly
// Graphviz in a worker (the page never waits for a layout). When only
// numbers changed (a slider moved, a value edited) the picture is not laid
// out again: each node's texts are replaced in place, which takes a
// millisecond, and a fresh layout (boxes sized to the new numbers) follows
// once the page has been quiet for a moment.

const RELAYOUT_AFTER_MS = 300;

/** `"a \"b\""` (a DOT string) -> `a "b"`. */
function unquote(s) {
  return s.slice(1, -1).replace(/\\(.)/g, "$1");
}

const ENTITIES = { lt: "<", gt: ">", quot: '"', amp: "&" };

/**
 * The text of an HTML-like label cell: tags dropped, entities decoded (in
 * one pass, so `&amp;lt;` stays `&lt;`). A number alone, the most common
 * cell, is its own text.
 */
export function cellText(html) {
  let s = html.includes("<") ? html.replace(/<[^>]*>/g, "") : html;
  if (s.includes("&")) {
    s = s.replace(/&(?:#(\d+)|(lt|gt|quot|amp));/g, (m, n, name) =>
      n !== undefined ? String.fromCodePoint(Number(n)) : ENTITIES[name],
    );
  }
  return s;
}

/**
 * Splits bpc's DOT into its shape and each node's label cells (as the
 * server does for `labels`, src/serve/picture.rs): `skeleton` is the text
 * with the inner markup of every `<TD>` of a node's label left out, `pieces`
 * the same as strings between [id, index] references to the cells, and
 * `cells` maps each node id to its cells' inner markup, in order.
 */
export function parseDot(dot) {
  const cells = new Map();
  const pieces = [];
  let text = "";
  for (const line of dot.split("\n")) {
    const m = /^ {2}("(?:[^"\\]|\\.)*") \[(.*)\];$/.exec(line);
    const at = m && m[2].endsWith(">") ? m[2].indexOf("label=<") : -1;
    if (at < 0) {
      text += `${line}\n`;
      continue;
    }
    const id = unquote(m[1]);
    const list = [];
    const start = line.length - m[2].length - 2 + at + 7;
    const end = line.length - 3;
    let from = 0;
    for (const c of line.slice(start, end).matchAll(/<TD>(.*?)<\/TD>/g)) {
      const inner = start + c.index + 4;
      pieces.push(text + line.slice(from, inner), [id, list.length]);
      text = "";
      list.push(c[1]);
      from = inner + c[1].length;
    }
    text += `${line.slice(from)}\n`;
    cells.set(id, list);
  }
  pieces.push(text.slice(0, -1));
  const skeleton = pieces.filter((p) => typeof p === "string").join("");
  return { skeleton, pieces, cells };
}

/** The DOT again, from a shape's pieces and (new) cells. */
export function rebuildDot(pieces, cells) {
  return pieces.map((p) => (typeof p === "string" ? p : cells.get(p[0])[p[1]])).join("");
}

/**
 * Graphviz places each line of an HTML-like label from its own estimate of
 * the font's widths (it has no fonts here), anchored at the line's start.
 * The browser's font differs, and numbers change in place; so every line of
 * a node (and of the graph's title) is centred again on its shape, runs of
 * one line side by side at their real widths.
 */
function centerTexts(svg) {
  for (const g of svg.querySelectorAll("g.node, g.graph")) {
    const shape = g.querySelector(":scope > ellipse, :scope > polygon, :scope > path");
    const texts = g.querySelectorAll(":scope > text");
    if (!shape || !texts.length) continue;
    const box = shape.getBBox();
    const cx = box.x + box.width / 2;
    const lines = new Map();
    for (const t of texts) {
      const y = t.getAttribute("y");
      if (!lines.has(y)) lines.set(y, []);
      lines.get(y).push(t);
    }
    for (const runs of lines.values()) {
      if (runs.length === 1) {
        runs[0].setAttribute("text-anchor", "middle");
        runs[0].setAttribute("x", String(cx));
        continue;
      }
      const widths = runs.map((t) => t.getComputedTextLength());
      let x = cx - widths.reduce((a, b) => a + b, 0) / 2;
      runs.forEach((t, i) => {
        t.setAttribute("text-anchor", "start");
        t.setAttribute("x", String(x));
        x += widths[i];
      });
    }
  }
}

/**
 * Sets an element's text; when it is one text node already, only that
 * node's data changes (no node replaced, no layout object rebuilt).
 */
export function setText(el, text) {
  const t = el.firstChild;
  if (t !== null && t === el.lastChild && t.nodeType === Node.TEXT_NODE) {
    if (t.data !== text) t.data = text;
  } else if (el.textContent !== text) {
    el.textContent = text;
  }
}

export class Graph {
  /** @param {HTMLElement} box @param {HTMLElement} note */
  constructor(box, note) {
    this.box = box;
    this.note = note;
    this.worker = new Worker("/js/viz-worker.js", { type: "module" });
    this.worker.onmessage = (e) => this.reply?.(e.data);
    this.worker.onerror = (e) => {
      this.note.textContent = `Graphviz could not start: ${e.message ?? "worker error"}`;
    };
    this.busy = false;
    this.want = null;
    this.idle = 0;
    this.clear();
    box.addEventListener("click", () => {
      box.querySelector("svg")?.classList.toggle("natural");
    });
  }

  /**
   * The `dot_key` of the picture shown, for `/api/run` to answer with its
   * label cells alone while the shape stays; null while none is shown or a
   * picture of another shape is being laid out.
   */
  key() {
    return this.nodes && !this.pending ? this.shape : null;
  }

  /**
   * Shows an /api/run answer: its `dot`, or (`dot` null) its `labels` on the
   * picture of shape `dot_key`. Resolves to "patch" (texts replaced in the
   * current picture), "layout" (a new picture), "missing" (the labels do not
   * fit the picture shown: ask again for the DOT), or null (a newer call
   * replaced this one).
   */
  async show(result) {
    const token = {};
    this.latest = token;
    clearTimeout(this.idle);
    if (typeof result.dot !== "string") {
      const cells = new Map(Object.entries(result.labels ?? {}));
      if (!this.nodes || result.dot_key !== this.shape || !this.patch(cells)) return "missing";
      this.box.classList.remove("stale");
      const { skeleton, pieces } = this;
      this.idle = setTimeout(() => {
        const parsed = { skeleton, pieces, cells };
        this.relayout(token, rebuildDot(pieces, cells), parsed, result.dot_key);
      }, RELAYOUT_AFTER_MS);
      return "patch";
    }
    const dot = result.dot;
    const parsed = parseDot(dot);
    if (this.nodes && parsed.skeleton === this.skeleton && this.patch(parsed.cells)) {
      this.shape = result.dot_key ?? null;
      this.pending = false;
      this.box.classList.remove("stale");
      this.idle = setTimeout(
        () => this.relayout(token, dot, parsed, result.dot_key),
        RELAYOUT_AFTER_MS,
      );
      return "patch";
    }
    this.box.classList.add("stale");
    this.pending = true;
    const answer = await this.layout(dot);
    if (answer === null || this.latest !== token) return null;
    this.pending = false;
    if (answer.error !== undefined) {
      this.note.textContent = `Graphviz: ${answer.error}`;
      return null;
    }
    this.insert(answer.svg, parsed, result.dot_key);
    return "layout";
  }

  /** A fresh layout of what is shown, when nothing newer came meanwhile. */
  async relayout(token, dot, parsed, key) {
    const answer = await this.layout(dot);
    if (answer?.svg && this.latest === token) this.insert(answer.svg, parsed, key);
  }

  /** Lays out `dot` in the worker; only the newest waiting request is kept. */
  layout(dot) {
    return new Promise((resolve) => {
      this.want?.resolve(null);
      this.want = { dot, resolve };
      this.pump();
    });
  }

  pump() {
    if (this.busy || !this.want) return;
    const { dot, resolve } = this.want;
    this.want = null;
    this.busy = true;
    this.reply = (msg) => {
      this.busy = false;
      this.reply = null;
      resolve(msg.svg !== undefined ? { svg: msg.svg } : { error: msg.error });
      this.pump();
    };
    this.worker.postMessage({ id: 0, dot });
  }

  /** Puts Graphviz's SVG on the page and maps each node to its texts. */
  insert(svgText, parsed, key) {
    const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    const root = doc.documentElement;
    if (root.nodeName !== "svg") {
      this.note.textContent = "Graphviz gave no picture";
      return;
    }
    const svg = document.importNode(root, true);
    const natural = this.box.querySelector("svg.natural") !== null;
    svg.classList.toggle("natural", natural);
    this.box.replaceChildren(svg);
    centerTexts(svg);
    this.box.classList.remove("stale");
    this.note.textContent = "";
    this.skeleton = parsed.skeleton;
    this.pieces = parsed.pieces;
    this.cells = parsed.cells;
    this.shape = key ?? null;
    this.nodes = new Map();
    for (const g of svg.querySelectorAll("g.node")) {
      const title = g.querySelector("title")?.textContent ?? "";
      this.nodes.set(title, { g, texts: [...g.querySelectorAll("text")] });
    }
    // Patching needs each label cell to be one text element.
    for (const [id, cells] of parsed.cells) {
      if (this.nodes.get(id)?.texts.length !== cells.length) {
        this.nodes = null;
        break;
      }
    }
    if (this.current) this.highlight(this.current);
  }

  /**
   * Replaces the texts of the cells that changed; false (and nothing
   * changed) if the cells do not fit the picture.
   */
  patch(cells) {
    if (cells.size !== this.cells.size) return false;
    for (const [id, list] of cells) {
      if (this.nodes.get(id)?.texts.length !== list.length) return false;
    }
    for (const [id, list] of cells) {
      const els = this.nodes.get(id).texts;
      const shown = this.cells.get(id);
      list.forEach((html, i) => {
        if (shown?.[i] === html) return;
        // Leading spaces (continuation lines) would collapse in SVG text.
        const text = cellText(html);
        setText(els[i], text.startsWith(" ") ? text.replace(/^ +/, (s) => "\u00a0".repeat(s.length)) : text);
      });
    }
    this.cells = cells;
    return true;
  }

  /** Marks the node `name` (null: none). */
  highlight(name) {
    this.current = name;
    for (const g of this.box.querySelectorAll(".bpc-current")) g.classList.remove("bpc-current");
    if (name === null) return;
    for (const g of this.box.querySelectorAll("g.node")) {
      if (g.querySelector("title")?.textContent === name) {
        g.classList.add("bpc-current");
        g.scrollIntoView?.({ block: "nearest", inline: "nearest" });
      }
    }
  }

  /** Forgets the picture (another file was opened). */
  clear() {
    this.latest = null;
    this.skeleton = null;
    this.pieces = null;
    this.cells = null;
    this.shape = null;
    this.pending = false;
    this.nodes = null;
    this.current = null;
    this.box.replaceChildren();
  }
}
