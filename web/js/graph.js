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

/** The text of an HTML-like label cell: tags dropped, entities decoded. */
function cellText(html) {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

/**
 * Splits bpc's DOT into its structure (every line, with the texts of the
 * label cells left out) and each node's label texts in order.
 */
export function parseDot(dot) {
  const labels = new Map();
  const skeleton = [];
  for (const line of dot.split("\n")) {
    const m = /^ {2}("(?:[^"\\]|\\.)*") \[(.*)\];$/.exec(line);
    const at = m ? m[2].indexOf("label=<") : -1;
    if (at < 0) {
      skeleton.push(line);
      continue;
    }
    const html = m[2].slice(at + 7, -1);
    const texts = [...html.matchAll(/<TD>(.*?)<\/TD>/g)].map((c) => cellText(c[1]));
    labels.set(unquote(m[1]), texts);
    skeleton.push(line.replace(/<TD>.*?<\/TD>/g, "<TD></TD>"));
  }
  return { skeleton: skeleton.join("\n"), labels };
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
    this.latest = null;
    this.skeleton = null;
    this.nodes = null;
    this.current = null;
    this.idle = 0;
    box.addEventListener("click", () => {
      box.querySelector("svg")?.classList.toggle("natural");
    });
  }

  /**
   * Shows `dot`. Resolves to "patch" (texts replaced in the current picture),
   * "layout" (a new picture), or null (a newer call replaced this one).
   */
  async show(dot) {
    this.latest = dot;
    clearTimeout(this.idle);
    const parsed = parseDot(dot);
    if (this.nodes && parsed.skeleton === this.skeleton && this.patch(parsed.labels)) {
      this.box.classList.remove("stale");
      this.idle = setTimeout(() => this.relayout(dot, parsed), RELAYOUT_AFTER_MS);
      return "patch";
    }
    this.box.classList.add("stale");
    const answer = await this.layout(dot);
    if (answer === null || this.latest !== dot) return null;
    if (answer.error !== undefined) {
      this.note.textContent = `Graphviz: ${answer.error}`;
      return null;
    }
    this.insert(answer.svg, parsed);
    return "layout";
  }

  /** A fresh layout of what is shown, when nothing newer came meanwhile. */
  async relayout(dot, parsed) {
    const answer = await this.layout(dot);
    if (answer?.svg && this.latest === dot) this.insert(answer.svg, parsed);
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
  insert(svgText, parsed) {
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
    this.nodes = new Map();
    for (const g of svg.querySelectorAll("g.node")) {
      const title = g.querySelector("title")?.textContent ?? "";
      this.nodes.set(title, { g, texts: [...g.querySelectorAll("text")] });
    }
    // Patching needs each label cell to be one text element.
    for (const [id, texts] of parsed.labels) {
      if (this.nodes.get(id)?.texts.length !== texts.length) {
        this.nodes = null;
        break;
      }
    }
    if (this.current) this.highlight(this.current);
  }

  /** Replaces every node's texts; false (and nothing changed) if they do not fit. */
  patch(labels) {
    for (const [id, texts] of labels) {
      if (this.nodes.get(id)?.texts.length !== texts.length) return false;
    }
    for (const [id, texts] of labels) {
      const els = this.nodes.get(id).texts;
      texts.forEach((t, i) => {
        // Leading spaces (continuation lines) would collapse in SVG text.
        const shown = t.replace(/^ +/, (s) => "\u00a0".repeat(s.length));
        if (els[i].textContent !== shown) els[i].textContent = shown;
      });
    }
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
    this.nodes = null;
    this.current = null;
    this.box.replaceChildren();
  }
}
