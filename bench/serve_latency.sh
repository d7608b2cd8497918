#!/usr/bin/env bash
# bpc serve: how long an input takes to redraw a 200-node graph in the browser.
#
# Opens bench/serve_200.yaml (1 input, 66 params, 133 nodes) in headless
# Chromium, then moves a param's slider 30 times, edits a number in the text
# 10 times, and changes the output 6 times (a new graph, laid out again),
# waiting for each redraw. Every redraw is timed by the page itself on the
# browser's performance timeline (`bpc:redraw`: from the input event to the
# picture and the table updated and laid out), with its parts: the request
# (`.request`: from sending it to its JSON read), the table and controls
# (`.table`), the picture (`.graph`: the texts replaced, then `.layout`, the
# browser's style and layout). `patch` redraws keep the layout and replace
# the numbers; `layout` ones run Graphviz (in a worker) again. `fetch` is
# each request by the browser's resource timing (`.server`: the server's
# part, `.work`: its evaluation, both from its Server-Timing header;
# `.body`: receiving the answer; `.kB`: its size).
#
# Needs Chromium (`apt-get install chromium`, or BPC_CHROMIUM=/path/to/chrome).
# The machine's other load shows in the medians: compare `uptime` first.
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
cargo test --release --locked --test browser redraw_latency_200_nodes -- --ignored --nocapture 2>&1 |
  grep -E '^(redraw latency|  (patch|layout|fetch))'
