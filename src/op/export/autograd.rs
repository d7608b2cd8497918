//! Each op in PyTorch and in JAX: the forward expression only, autograd
//! differentiates it. Where the framework's own function would give another
//! gradient than bpc's at a tie (`torch.max(x)` and `jnp.max` share it among
//! equal maxima, `jnp.clip` halves it where x equals a bound), the forward
//! is written with a helper whose autograd gives bpc's (`pytorch.py`,
//! `jax.py`).

use super::{Py, axis_arg, fwd, shape_tuple, subscript};
use crate::op::{Map, Op};

/// `, dim=k` for a reduction over one axis, nothing over all.
fn dim_arg(axis: Option<isize>) -> String {
    axis.map(|k| format!(", dim={k}")).unwrap_or_default()
}

/// `op` in PyTorch (float64).
pub(super) fn pytorch(op: &Op) -> Py {
    match *op {
        Op::Map(m) => pytorch_map(m),
        Op::Matmul => fwd("<a> @ <b>", &[]),
        Op::Transpose => fwd("<x>.permute(*reversed(range(<x>.dim())))", &[]),
        Op::Sum { axis } => fwd(format!("torch.sum(<x>{})", dim_arg(axis)), &[]),
        Op::Mean { axis } => fwd(format!("torch.mean(<x>{})", dim_arg(axis)), &[]),
        Op::Softmax { axis } => fwd(format!("torch.softmax(<x>, dim={axis})"), &[]),
        Op::LogSoftmax { axis } => fwd(format!("torch.log_softmax(<x>, dim={axis})"), &[]),
        Op::Affine => fwd("<x> @ <W> + <b>", &[]),
        Op::Mse => fwd("torch.mean(torch.square(<pred> - <target>))", &[]),
        Op::CrossEntropy => fwd("cross_entropy(<logits>, <target>)", &["cross_entropy"]),
        Op::Bce => fwd(
            "torch.mean(-(<y> * torch.log(<p>) + (1 - <y>) * torch.log(1 - <p>)))",
            &[],
        ),
        Op::Clip => fwd("clip(<x>, <lo>, <hi>)", &["clip"]),
        Op::Max { axis } => fwd(format!("first_max(<x>{})", dim_arg(axis)), &["first_max"]),
        Op::Min { axis } => fwd(format!("first_min(<x>{})", dim_arg(axis)), &["first_min"]),
        Op::Index { i, axis } => fwd(format!("<x>{}", subscript(axis, &i.to_string())), &[]),
        Op::Slice { start, stop, axis } => fwd(
            format!("<x>{}", subscript(axis, &format!("{start}:{stop}"))),
            &[],
        ),
        Op::Reshape { shape } => fwd(
            format!("torch.reshape(<x>, {})", shape_tuple(&shape.sizes())),
            &[],
        ),
        Op::Stack { axis } => fwd(format!("torch.stack([<x...>], dim={axis})"), &[]),
        Op::Concat { axis } => fwd(format!("torch.cat([<x...>], dim={axis})"), &[]),
    }
}

fn pytorch_map(m: Map) -> Py {
    match m {
        Map::Add => fwd("<a> + <b>", &[]),
        Map::Sub => fwd("<a> - <b>", &[]),
        Map::Mul => fwd("<a> * <b>", &[]),
        Map::Div => fwd("<a> / <b>", &[]),
        Map::Pow => fwd("torch.pow(<x>, <p>)", &[]),
        Map::Neg => fwd("-<x>", &[]),
        Map::Exp => fwd("torch.exp(<x>)", &[]),
        Map::Log => fwd("torch.log(<x>)", &[]),
        Map::Sqrt => fwd("torch.sqrt(<x>)", &[]),
        Map::Square => fwd("torch.square(<x>)", &[]),
        Map::Abs => fwd("torch.abs(<x>)", &[]),
        Map::Sin => fwd("torch.sin(<x>)", &[]),
        Map::Cos => fwd("torch.cos(<x>)", &[]),
        Map::Sigmoid => fwd("torch.sigmoid(<x>)", &[]),
        Map::Tanh => fwd("torch.tanh(<x>)", &[]),
        Map::Relu => fwd("torch.relu(<x>)", &[]),
        // ln(eˣ + e⁰): no overflow, and autograd gives exactly σ(x)
        Map::Softplus => fwd("torch.logaddexp(<x>, torch.zeros_like(<x>))", &[]),
        // gradient alpha at 0, as bpc (the `x > 0` rule)
        Map::LeakyRelu { alpha } => fwd(format!("torch.where(<x> > 0, <x>, {alpha:?} * <x>)"), &[]),
        // ½ and ½ at a tie, as bpc
        Map::Maximum => fwd("torch.maximum(<a>, <b>)", &[]),
        Map::Minimum => fwd("torch.minimum(<a>, <b>)", &[]),
    }
}

/// `op` in JAX (float64).
pub(super) fn jax(op: &Op) -> Py {
    match *op {
        Op::Map(m) => jax_map(m),
        Op::Matmul => fwd("<a> @ <b>", &[]),
        Op::Transpose => fwd("jnp.transpose(<x>)", &[]),
        Op::Sum { axis } => fwd(format!("jnp.sum(<x>{})", axis_arg(axis)), &[]),
        Op::Mean { axis } => fwd(format!("jnp.mean(<x>{})", axis_arg(axis)), &[]),
        Op::Softmax { axis } => fwd(format!("jax.nn.softmax(<x>, axis={axis})"), &[]),
        Op::LogSoftmax { axis } => fwd(format!("jax.nn.log_softmax(<x>, axis={axis})"), &[]),
        Op::Affine => fwd("<x> @ <W> + <b>", &[]),
        Op::Mse => fwd("jnp.mean(jnp.square(<pred> - <target>))", &[]),
        Op::CrossEntropy => fwd("cross_entropy(<logits>, <target>)", &["cross_entropy"]),
        Op::Bce => fwd(
            "jnp.mean(-(<y> * jnp.log(<p>) + (1 - <y>) * jnp.log(1 - <p>)))",
            &[],
        ),
        Op::Clip => fwd("clip(<x>, <lo>, <hi>)", &["clip"]),
        Op::Max { axis } => fwd(format!("first_max(<x>{})", axis_arg(axis)), &["first_max"]),
        Op::Min { axis } => fwd(format!("first_min(<x>{})", axis_arg(axis)), &["first_min"]),
        Op::Index { i, axis } => fwd(format!("<x>{}", subscript(axis, &i.to_string())), &[]),
        Op::Slice { start, stop, axis } => fwd(
            format!("<x>{}", subscript(axis, &format!("{start}:{stop}"))),
            &[],
        ),
        Op::Reshape { shape } => fwd(
            format!("jnp.reshape(<x>, {})", shape_tuple(&shape.sizes())),
            &[],
        ),
        Op::Stack { axis } => fwd(format!("jnp.stack([<x...>], axis={axis})"), &[]),
        Op::Concat { axis } => fwd(format!("jnp.concatenate([<x...>], axis={axis})"), &[]),
    }
}

fn jax_map(m: Map) -> Py {
    match m {
        Map::Add => fwd("<a> + <b>", &[]),
        Map::Sub => fwd("<a> - <b>", &[]),
        Map::Mul => fwd("<a> * <b>", &[]),
        Map::Div => fwd("<a> / <b>", &[]),
        Map::Pow => fwd("jnp.power(<x>, <p>)", &[]),
        Map::Neg => fwd("-<x>", &[]),
        Map::Exp => fwd("jnp.exp(<x>)", &[]),
        Map::Log => fwd("jnp.log(<x>)", &[]),
        Map::Sqrt => fwd("jnp.sqrt(<x>)", &[]),
        Map::Square => fwd("jnp.square(<x>)", &[]),
        Map::Abs => fwd("jnp.abs(<x>)", &[]),
        Map::Sin => fwd("jnp.sin(<x>)", &[]),
        Map::Cos => fwd("jnp.cos(<x>)", &[]),
        Map::Sigmoid => fwd("jax.nn.sigmoid(<x>)", &[]),
        Map::Tanh => fwd("jnp.tanh(<x>)", &[]),
        Map::Relu => fwd("jax.nn.relu(<x>)", &[]),
        Map::Softplus => fwd("jnp.logaddexp(<x>, 0.0)", &[]),
        // gradient alpha at 0, as bpc (jax.nn.leaky_relu has 1 there)
        Map::LeakyRelu { alpha } => fwd(format!("jnp.where(<x> > 0, <x>, {alpha:?} * <x>)"), &[]),
        // ½ and ½ at a tie, as bpc
        Map::Maximum => fwd("jnp.maximum(<a>, <b>)", &[]),
        Map::Minimum => fwd("jnp.minimum(<a>, <b>)", &[]),
    }
}
