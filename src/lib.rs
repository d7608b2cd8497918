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
//! ```
//!
//! - [`load`] runs the stages from a file to a [`plan::Plan`], timing each;
//!   [`data`] binds a spec's `data` (inline or CSV) to its inputs.
//! - All calculus lives in [`op`] (with [`broadcast`]); values are
//!   [`tensor::Value`]s; seeded inits come from [`init`].
//! - Diagnostics are data ([`diag`]); the command line ([`cli`]) is the only
//!   place that prints them and picks exit codes. Its commands: `run` (in
//!   [`cli`]), `dot` ([`dot`]), `check` ([`check`]), `train` ([`train`]).

// The stages (spec -> graph -> plan -> eval; train drives eval).
pub mod eval;
pub mod graph;
pub mod plan;
pub mod spec;
pub mod train;

// The calculus and its values.
pub mod broadcast;
pub mod init;
pub mod op;
pub mod tensor;

// Around the pipeline.
pub mod check;
pub mod cli;
pub mod data;
pub mod diag;
pub mod dot;
pub mod load;
pub mod render;
