//! bpc, the backprop compiler: a YAML computation graph in, every value and
//! gradient out.
//!
//! The pipeline is the architecture; one module per stage:
//!
//! ```text
//! Source ──parse──▶ Spec ──build──▶ Graph ──compile──▶ Plan
//!          (spec)            (graph)            (plan)
//! Plan + bindings ──forward──▶ Values ──backward──▶ Grads      (eval)
//! render: table | json | dot                                  (render)
//! ```
//!
//! All calculus lives in [`op`]; diagnostics in [`diag`]; the command line in [`cli`].

pub mod broadcast;
pub mod check;
pub mod cli;
pub mod data;
pub mod diag;
pub mod dot;
pub mod eval;
pub mod graph;
pub mod init;
pub mod load;
pub mod op;
pub mod plan;
pub mod render;
pub mod spec;
pub mod tensor;
pub mod train;
