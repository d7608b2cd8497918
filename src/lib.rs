//! bpc, the backprop compiler: a YAML computation graph in, every value and gradient out.
pub mod broadcast;
pub mod op;
pub mod tensor;
