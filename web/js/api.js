// The API of bpc serve (docs/serve.md). Evaluations are numbered: a newer one
// aborts the older one in flight, and the server stops stale work early.

const client = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) =>
  b.toString(16).padStart(2, "0"),
).join("");
let seq = 0;
let inflight = null;

async function reply(r) {
  const text = await r.text();
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: text };
  }
  return { status: r.status, body };
}

/** GET a JSON answer: {status, body}. */
export async function get(path) {
  return reply(await fetch(path, { cache: "no-store" }));
}

/** POST a JSON body: {status, body}. */
export async function post(path, body, signal) {
  const r = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  return reply(r);
}

/**
 * Evaluates `spec` (with `set` values) as `bpc run`; resolves to {status, body},
 * or null when a newer evaluation replaced this one. With `dotKey` (the
 * `dot_key` of the picture shown) a numbers-only change comes with the
 * label cells instead of the DOT.
 */
export async function run(spec, file, set, dotKey) {
  const mine = ++seq;
  inflight?.abort();
  const ctl = new AbortController();
  inflight = ctl;
  const body = { spec, set, client, seq: mine };
  if (file) body.file = file;
  if (dotKey) body.dot_key = dotKey;
  try {
    const r = await post("/api/run", body, ctl.signal);
    if (mine !== seq || r.body.superseded) return null;
    return r;
  } catch (e) {
    if (e.name === "AbortError") return null;
    throw e;
  } finally {
    if (inflight === ctl) inflight = null;
  }
}

/**
 * Starts a training and calls `onEvent(name, data)` for each server-sent
 * event until the stream ends; resolves to {status, body} when the server
 * refused to start (an invalid spec or setting), else to null.
 */
export async function train(body, onEvent, signal) {
  const r = await fetch("/api/train", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  if (r.status !== 200) return reply(r);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      let data = "";
      for (const line of event.split("\n")) {
        if (line.startsWith("event: ")) name = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      onEvent(name, JSON.parse(data));
    }
  }
  return null;
}
