// Lays out DOT with the vendored WebAssembly Graphviz, off the page's thread,
// so that typing and dragging never wait for a layout.
import { instance } from "/vendor/viz/viz.js";

const viz = instance();

self.onmessage = async (e) => {
  const { id, dot } = e.data;
  try {
    const r = (await viz).render(dot, { format: "svg" });
    if (r.status === "success") {
      self.postMessage({ id, svg: r.output });
    } else {
      self.postMessage({ id, error: r.errors.map((x) => x.message).join("\n") });
    }
  } catch (err) {
    self.postMessage({ id, error: String(err) });
  }
};
