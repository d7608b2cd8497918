//! bpc, the backprop compiler: a YAML computation graph in, every value and
//! gradient out.
//!
//! The pipeline is the architecture; one module per stage:
//!
//! ```text
//! Source ──parse──▶ Spec ──build──▶ Graph ──compile──▶ Plan
//!          (spec)            (graph)            (plan)
//! Plan + bindings ──forward──▶ Values ──backward──▶ Grads      (eval)
//! Plan + params + data ──fit──▶ trained params + loss history  (train)
//! render: table | json | dot                                  (render)
//! explain: the chain rule step by step; change an input       (explain)
//! Key + submissions ──grade──▶ scores, class reports           (grade)
//! ```
//!
//! The modules are listed below in layers, each importing only the layers
//! above it in this list's reverse: `cmd` at the top, `diag` and `tensor` at
//! the bottom. `docs/architecture.md` is the map.

// The foundation: diagnostics, values, timing, text safe for a terminal.
pub mod diag;
pub mod tensor;
pub mod term;
pub mod timings;

// The calculus: every fact about an op, broadcasting, seeded inits, and the
// kernels under it: matrix products and the threads they may use.
pub mod broadcast;
pub mod init;
pub mod matmul;
pub mod op;
pub mod par;

// The stages, in pipeline order.
pub mod data;
pub mod eval;
pub mod graph;
pub mod load;
pub mod plan;
pub mod slots;
pub mod spec;
pub mod tape;

// What reads the stages' results.
pub mod check;
pub mod explain;
pub mod export;
pub mod grade;
pub mod render;
pub mod train;

// Around the pipeline: files and programs bpc writes or runs, edits of a
// spec's text that keep its comments and layout, and bpc's manual page.
pub mod edit;
pub mod files;
pub mod graphviz;
pub mod manpage;
pub mod schema;

// The browser front end: a local server, its API and its page.
pub mod serve;

// The command line: what every command shares, then the commands.
pub mod cmd;
pub mod session;
