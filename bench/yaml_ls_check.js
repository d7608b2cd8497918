#!/usr/bin/env node
// Drives yaml-language-server as an editor does (LSP over stdio) on one spec:
// prints its diagnostics, then the completion items and hover text at each
// LINE:COL given (1-based). Run by hand to check schema/bpc-spec.json in the
// engine VS Code, Neovim and Helix use (docs/editors.md):
//
//   npm install --prefix /tmp/yls yaml-language-server
//   NODE_PATH=/tmp/yls/node_modules node bench/yaml_ls_check.js specs/fruit.yaml 19:16
const cp = require("child_process");
const path = require("path");
const fs = require("fs");
const rpc = require("vscode-jsonrpc/node");
const [file, ...positions] = process.argv.slice(2);
const server = cp.spawn(process.execPath, [require.resolve("yaml-language-server/bin/yaml-language-server"), "--stdio"]);
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
const uri = "file://" + path.resolve(file);
let diags = null;
conn.onNotification("textDocument/publishDiagnostics", (p) => { if (p.uri === uri) diags = p.diagnostics; });
conn.onRequest("workspace/configuration", (p) => p.items.map(() => ({ validate: true, hover: true, completion: true, schemaStore: { enable: false } })));
conn.onRequest("client/registerCapability", () => null);
conn.onRequest("window/workDoneProgress/create", () => null);
conn.onNotification(() => {});
conn.listen();
(async () => {
  await conn.sendRequest("initialize", { processId: process.pid, rootUri: "file://" + path.resolve("."), capabilities: { textDocument: { completion: { completionItem: { snippetSupport: true, documentationFormat: ["plaintext"] } }, hover: { contentFormat: ["plaintext"] } }, workspace: { configuration: true } } });
  conn.sendNotification("initialized", {});
  conn.sendNotification("workspace/didChangeConfiguration", { settings: { yaml: { validate: true, hover: true, completion: true, schemaStore: { enable: false } } } });
  conn.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "yaml", version: 1, text: fs.readFileSync(file, "utf8") } });
  for (let i = 0; i < 100 && diags === null; i++) await new Promise((r) => setTimeout(r, 100));
  console.log("DIAGNOSTICS", JSON.stringify((diags || []).map((d) => [d.range.start.line + 1, d.range.start.character + 1, d.message])));
  for (const pos of positions) {
    const [line, col] = pos.split(":").map(Number);
    const position = { line: line - 1, character: col - 1 };
    const c = await conn.sendRequest("textDocument/completion", { textDocument: { uri }, position });
    const items = (c.items || c || []).map((i) => i.label + (i.documentation ? " — " + (i.documentation.value || i.documentation) : ""));
    console.log("COMPLETION", pos, JSON.stringify(items.slice(0, 40)));
    const h = await conn.sendRequest("textDocument/hover", { textDocument: { uri }, position });
    console.log("HOVER", pos, JSON.stringify(h && h.contents));
  }
  server.kill();
  process.exit(0);
})();
