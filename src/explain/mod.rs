//! `bpc explain`: the chain rule, step by step, with the numbers plugged in;
//! and the lesson's experiment of changing an input ([`perturb`]).

pub mod perturb;
