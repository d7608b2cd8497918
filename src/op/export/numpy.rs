//! Each op in NumPy: its forward expression and its backward call, written
//! out by hand (the helpers are in `numpy.py`).

use super::{Py, axis_arg, py, shape_tuple, subscript};
use crate::op::{Map, Op};

/// `op` in NumPy, forward and backward.
pub(super) fn numpy(op: &Op) -> Py {
    match *op {
        Op::Map(m) => numpy_map(m),
        Op::Matmul => py(
            "<a> @ <b>",
            "matmul_backward(<g>, <a>, <b>)",
            &["matmul_backward"],
        ),
        Op::Transpose => py("np.transpose(<x>)", "np.transpose(<g>)  # (xᵀ)ᵀ = x", &[]),
        Op::Sum { axis } => py(
            format!("np.sum(<x>{})", axis_arg(axis)),
            match axis {
                None => "np.ones_like(<x>) * <g>  # d/dxᵢ Σ x = 1".to_string(),
                Some(k) => {
                    format!("np.ones_like(<x>) * np.expand_dims(<g>, {k})  # d/dxᵢ Σ x = 1")
                }
            },
            &[],
        ),
        Op::Mean { axis } => py(
            format!("np.mean(<x>{})", axis_arg(axis)),
            match axis {
                None => {
                    "np.ones_like(<x>) * (<g> / np.size(<x>))  # d/dxᵢ mean x = 1/n".to_string()
                }
                Some(k) => format!(
                    "np.ones_like(<x>) * (np.expand_dims(<g>, {k}) / np.shape(<x>)[{k}])  # d/dxᵢ mean x = 1/n"
                ),
            },
            &[],
        ),
        Op::Softmax { axis } => py(
            format!("softmax(<x>, axis={axis})"),
            format!("softmax_backward(<g>, <out>, axis={axis})"),
            &["softmax", "softmax_backward"],
        ),
        Op::LogSoftmax { axis } => py(
            format!("log_softmax(<x>, axis={axis})"),
            format!("log_softmax_backward(<g>, <out>, axis={axis})"),
            &["log_softmax", "log_softmax_backward"],
        ),
        Op::Affine => py(
            "<x> @ <W> + <b>",
            "affine_backward(<g>, <x>, <W>, <b>)",
            &["affine_backward"],
        ),
        Op::Mse => py(
            "np.mean(np.square(<pred> - <target>))",
            "mse_backward(<g>, <pred>, <target>)",
            &["mse_backward"],
        ),
        Op::CrossEntropy => py(
            "cross_entropy(<logits>, <target>)",
            "cross_entropy_backward(<g>, <logits>, <target>)",
            &["cross_entropy", "cross_entropy_backward"],
        ),
        Op::Bce => py(
            "np.mean(-(<y> * np.log(<p>) + (1 - <y>) * np.log(1 - <p>)))",
            "bce_backward(<g>, <p>, <y>)",
            &["bce_backward"],
        ),
        Op::Clip => py(
            "clip(<x>, <lo>, <hi>)",
            "clip_backward(<g>, <x>, <lo>, <hi>)",
            &["clip", "clip_backward"],
        ),
        Op::Max { axis } => py(
            format!("np.max(<x>{})", axis_arg(axis)),
            format!("max_backward(<g>, <x>{})", axis_arg(axis)),
            &["max_backward"],
        ),
        Op::Min { axis } => py(
            format!("np.min(<x>{})", axis_arg(axis)),
            format!("min_backward(<g>, <x>{})", axis_arg(axis)),
            &["min_backward"],
        ),
        Op::Index { i, axis } => {
            let at = subscript(axis, &i.to_string());
            py(
                format!("<x>{at}"),
                format!("placed(<g>, <x>, np.s_{at})"),
                &["placed"],
            )
        }
        Op::Slice { start, stop, axis } => {
            let at = subscript(axis, &format!("{start}:{stop}"));
            py(
                format!("<x>{at}"),
                format!("placed(<g>, <x>, np.s_{at})"),
                &["placed"],
            )
        }
        Op::Reshape { shape } => py(
            format!("np.reshape(<x>, {})", shape_tuple(&shape.sizes())),
            "np.reshape(<g>, np.shape(<x>))  # each element moves unchanged: derivative 1",
            &[],
        ),
        Op::Stack { axis } => py(
            format!("np.stack([<x...>], axis={axis})"),
            format!("stack_backward(<g>, <x...>, axis={axis})"),
            &["stack_backward"],
        ),
        Op::Concat { axis } => py(
            format!("np.concatenate([<x...>], axis={axis})"),
            format!("concat_backward(<g>, <x...>, axis={axis})"),
            &["concat_backward"],
        ),
    }
}

fn numpy_map(m: Map) -> Py {
    match m {
        Map::Add => py(
            "<a> + <b>",
            "add_backward(<g>, <a>, <b>)",
            &["add_backward"],
        ),
        Map::Sub => py(
            "<a> - <b>",
            "sub_backward(<g>, <a>, <b>)",
            &["sub_backward"],
        ),
        Map::Mul => py(
            "<a> * <b>",
            "mul_backward(<g>, <a>, <b>)",
            &["mul_backward"],
        ),
        Map::Div => py(
            "<a> / <b>",
            "div_backward(<g>, <a>, <b>)",
            &["div_backward"],
        ),
        Map::Pow => py(
            "np.power(<x>, <p>)",
            "pow_backward(<g>, <out>, <x>, <p>)",
            &["pow_backward"],
        ),
        Map::Neg => py("-<x>", "-<g>  # d/dx -x = -1", &[]),
        Map::Exp => py("np.exp(<x>)", "<g> * <out>  # d/dx eˣ = eˣ", &[]),
        Map::Log => py("np.log(<x>)", "<g> / <x>  # d/dx ln x = 1/x", &[]),
        Map::Sqrt => py(
            "np.sqrt(<x>)",
            "<g> / (2 * <out>)  # d/dx √x = 1/(2√x)",
            &[],
        ),
        Map::Square => py("np.square(<x>)", "<g> * 2 * <x>  # d/dx x² = 2x", &[]),
        Map::Abs => py(
            "np.abs(<x>)",
            "<g> * np.sign(<x>)  # d/dx |x| = sign x (0 at 0)",
            &[],
        ),
        Map::Sin => py(
            "np.sin(<x>)",
            "<g> * np.cos(<x>)  # d/dx sin x = cos x",
            &[],
        ),
        Map::Cos => py(
            "np.cos(<x>)",
            "-<g> * np.sin(<x>)  # d/dx cos x = -sin x",
            &[],
        ),
        Map::Sigmoid => py(
            "sigmoid(<x>)",
            "<g> * <out> * (1 - <out>)  # d/dx σ(x) = σ(x)(1 - σ(x))",
            &["sigmoid"],
        ),
        Map::Tanh => py(
            "np.tanh(<x>)",
            "<g> * (1 - <out> * <out>)  # d/dx tanh x = 1 - tanh²x",
            &[],
        ),
        Map::Relu => py(
            "np.maximum(<x>, 0.0)",
            "np.where(<x> > 0, <g>, 0.0)  # d/dx relu x = 1 for x > 0, else 0",
            &[],
        ),
        Map::Softplus => py(
            "softplus(<x>)",
            "<g> * sigmoid(<x>)  # d/dx ln(1 + eˣ) = σ(x)",
            &["softplus", "sigmoid"],
        ),
        Map::LeakyRelu { alpha } => py(
            format!("np.where(<x> > 0, <x>, {alpha:?} * <x>)"),
            format!("np.where(<x> > 0, <g>, <g> * {alpha:?})  # 1 for x > 0, else alpha"),
            &[],
        ),
        Map::Maximum => py(
            "np.maximum(<a>, <b>)",
            "maximum_backward(<g>, <a>, <b>)",
            &["maximum_backward"],
        ),
        Map::Minimum => py(
            "np.minimum(<a>, <b>)",
            "minimum_backward(<g>, <a>, <b>)",
            &["minimum_backward"],
        ),
    }
}
