//! Each op's shape rule: the shape of its result from its arguments'
//! shapes, or a sentence naming the shapes and the rule that failed.

use super::Op;
use super::kernels::{matmul_shape, normalize_axis};
use super::loss::cross_entropy_layout;
use super::select::{concat_shape, index_shape, reshape_shape, slice_shape, stack_shape};
use crate::broadcast::broadcast_shapes;
use crate::tensor::{Shape, shape_text};

impl Op {
    /// The shape of the result, from the shapes of the arguments.
    ///
    /// The error is a sentence naming the shapes and the rule that failed.
    /// Every shape accepted here is safe for [`Op::forward`] and [`Op::backward`].
    pub fn infer_shape(&self, args: &[&[usize]]) -> Result<Shape, String> {
        let def = self.def();
        if !def.takes(args.len()) {
            return Err(format!(
                "{} takes {} argument(s), got {}",
                def.usage(),
                def.args.len(),
                args.len()
            ));
        }
        match *self {
            Op::Map(m) if m.arity() == 2 => broadcast_shapes(args[0], args[1]),
            Op::Map(_) => Ok(args[0].to_vec()),
            Op::Matmul => matmul_shape(args[0], args[1]),
            Op::Transpose => Ok(args[0].iter().rev().copied().collect()),
            Op::Sum { axis: None } | Op::Mean { axis: None } => Ok(vec![]),
            Op::Sum { axis: Some(axis) } | Op::Mean { axis: Some(axis) } => {
                let i = normalize_axis(axis, args[0])?;
                let mut shape = args[0].to_vec();
                shape.remove(i);
                Ok(shape)
            }
            Op::Softmax { axis } | Op::LogSoftmax { axis } => {
                if args[0].is_empty() {
                    return Err(format!(
                        "{} needs a tensor of rank >= 1, got a scalar",
                        def.name
                    ));
                }
                normalize_axis(axis, args[0])?;
                Ok(args[0].to_vec())
            }
            Op::Affine => {
                let m = matmul_shape(args[0], args[1])
                    .map_err(|e| format!("affine computes matmul(x, W) first, but {e}"))?;
                broadcast_shapes(&m, args[2]).map_err(|e| {
                    format!(
                        "affine adds b to matmul(x, W) of shape {}, but {e}",
                        shape_text(&m)
                    )
                })
            }
            Op::Mse | Op::Bce => {
                broadcast_shapes(args[0], args[1]).map_err(|e| {
                    format!(
                        "{} needs {} and {} of the same shape or broadcastable shapes, but {e}",
                        def.name, def.args[0].name, def.args[1].name
                    )
                })?;
                Ok(vec![])
            }
            Op::CrossEntropy => {
                cross_entropy_layout(args[0], args[1])?;
                Ok(vec![])
            }
            Op::Max { axis: None } | Op::Min { axis: None } => {
                if args[0].contains(&0) {
                    return Err(format!("{} of an empty tensor has no value", def.name));
                }
                Ok(vec![])
            }
            Op::Max { axis: Some(axis) } | Op::Min { axis: Some(axis) } => {
                let i = normalize_axis(axis, args[0])?;
                if args[0][i] == 0 {
                    return Err(format!("{} along an empty axis has no value", def.name));
                }
                let mut shape = args[0].to_vec();
                shape.remove(i);
                Ok(shape)
            }
            Op::Clip => broadcast_shapes(args[0], args[1])
                .and_then(|s| broadcast_shapes(&s, args[2]))
                .map_err(|e| format!("clip broadcasts x, lo and hi together, but {e}")),
            Op::Index { i, axis } => index_shape(args[0], i, axis),
            Op::Slice { start, stop, axis } => slice_shape(args[0], start, stop, axis),
            Op::Reshape { shape } => reshape_shape(args[0], &shape),
            Op::Stack { axis } => stack_shape(args, axis),
            Op::Concat { axis } => concat_shape(args, axis),
        }
    }
}
