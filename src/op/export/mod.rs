//! Each op as Python, for `bpc export`: its forward as a NumPy, PyTorch or
//! JAX expression and, for NumPy, its backward written out by hand with the
//! derivative beside it, the way the lesson writes a layer's `backward`.
//!
//! Templates name the op's arguments as `<a>`, `<b>`, `<x>`, ... (the names
//! in the op's signature), its result as `<out>` and the upstream gradient
//! as `<g>`; the script assembler (`crate::export`) fills them in. A NumPy
//! backward call returns one gradient per argument (a tuple when there are
//! several), each with its argument's shape.
//!
//! The NumPy helpers compute what `kernels.rs` and `Op::forward_scalar`
//! compute, in the same order where it matters, so a script agrees with
//! `bpc run` to rounding (tests/export.rs holds it to 1e-12).

use super::{Map, Op};

/// The Python frameworks a spec can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// NumPy, with the backward pass written out by hand.
    Numpy,
    /// PyTorch (float64), with autograd.
    Pytorch,
    /// JAX (float64), with `jax.grad`.
    Jax,
}

impl Target {
    /// `numpy`, `pytorch`, `jax`.
    pub fn name(self) -> &'static str {
        match self {
            Target::Numpy => "numpy",
            Target::Pytorch => "pytorch",
            Target::Jax => "jax",
        }
    }
}

/// One op in one target's Python.
#[derive(Clone, Debug, PartialEq)]
pub struct Py {
    /// The forward expression.
    pub forward: String,
    /// NumPy: the call that returns the arguments' gradients from `<g>`.
    pub backward: Option<String>,
    /// The helper definitions (from [`defs`]) the two use.
    pub needs: &'static [&'static str],
}

/// A helper definition of a script: a Python function.
#[derive(Clone, Copy, Debug)]
pub struct Def {
    /// The function's name.
    pub name: &'static str,
    /// The definitions it calls.
    pub needs: &'static [&'static str],
    /// Its Python text.
    pub text: &'static str,
}

/// An op a target cannot express; the message names both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// The op's name.
    pub op: &'static str,
    /// The target.
    pub target: Target,
    /// Why.
    pub reason: &'static str,
}

fn py(
    forward: impl Into<String>,
    backward: impl Into<String>,
    needs: &'static [&'static str],
) -> Py {
    Py {
        forward: forward.into(),
        backward: Some(backward.into()),
        needs,
    }
}

fn fwd(forward: impl Into<String>, needs: &'static [&'static str]) -> Py {
    Py {
        forward: forward.into(),
        backward: None,
        needs,
    }
}

/// The helper functions of `target`'s scripts, as Python source: a
/// script copies those its ops name in [`Py::needs`] (and what they call).
pub fn helpers(target: Target) -> &'static str {
    match target {
        Target::Numpy => include_str!("numpy.py"),
        Target::Pytorch => include_str!("pytorch.py"),
        Target::Jax => include_str!("jax.py"),
    }
}

/// `op` in `target`'s Python, or why it cannot be written there.
pub fn python(op: &Op, target: Target) -> Result<Py, Unsupported> {
    if let Some(reason) = not_yet(op) {
        return Err(Unsupported {
            op: op.name(),
            target,
            reason,
        });
    }
    Ok(match target {
        Target::Numpy => numpy(op),
        Target::Pytorch => pytorch(op),
        Target::Jax => jax(op),
    })
}

/// Ops whose Python is not written yet (the ops added after export): why.
fn not_yet(op: &Op) -> Option<&'static str> {
    const WHY: &str = "its Python is not written yet; bpc run computes it";
    match op {
        Op::Map(Map::Maximum | Map::Minimum) | Op::Clip | Op::Max { .. } | Op::Min { .. } => {
            Some(WHY)
        }
        Op::Index { .. } | Op::Slice { .. } | Op::Reshape { .. } => Some(WHY),
        Op::Stack { .. } | Op::Concat { .. } => Some(WHY),
        Op::Map(_) | Op::Matmul | Op::Transpose | Op::Sum { .. } | Op::Mean { .. } => None,
        Op::Softmax { .. } | Op::LogSoftmax { .. } | Op::Affine | Op::Mse => None,
        Op::CrossEntropy | Op::Bce => None,
    }
}

/// `, axis=k` for a reduction over one axis, nothing over all.
fn axis_arg(axis: Option<isize>) -> String {
    axis.map(|k| format!(", axis={k}")).unwrap_or_default()
}

fn numpy(op: &Op) -> Py {
    match *op {
        Op::Map(m) => numpy_map(m),
        // refused by `not_yet` before this is reached
        Op::Clip | Op::Max { .. } | Op::Min { .. } | Op::Index { .. } | Op::Slice { .. } => {
            fwd("None", &[])
        }
        Op::Reshape { .. } | Op::Stack { .. } | Op::Concat { .. } => fwd("None", &[]),
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
    }
}

fn numpy_map(m: Map) -> Py {
    match m {
        // refused by `not_yet` before this is reached
        Map::Maximum | Map::Minimum => fwd("None", &[]),
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
    }
}

fn pytorch(op: &Op) -> Py {
    match *op {
        Op::Map(m) => pytorch_map(m),
        // refused by `not_yet` before this is reached
        Op::Clip | Op::Max { .. } | Op::Min { .. } | Op::Index { .. } | Op::Slice { .. } => {
            fwd("None", &[])
        }
        Op::Reshape { .. } | Op::Stack { .. } | Op::Concat { .. } => fwd("None", &[]),
        Op::Matmul => fwd("<a> @ <b>", &[]),
        Op::Transpose => fwd("<x>.permute(*reversed(range(<x>.dim())))", &[]),
        Op::Sum { axis } => fwd(
            match axis {
                None => "torch.sum(<x>)".to_string(),
                Some(k) => format!("torch.sum(<x>, dim={k})"),
            },
            &[],
        ),
        Op::Mean { axis } => fwd(
            match axis {
                None => "torch.mean(<x>)".to_string(),
                Some(k) => format!("torch.mean(<x>, dim={k})"),
            },
            &[],
        ),
        Op::Softmax { axis } => fwd(format!("torch.softmax(<x>, dim={axis})"), &[]),
        Op::LogSoftmax { axis } => fwd(format!("torch.log_softmax(<x>, dim={axis})"), &[]),
        Op::Affine => fwd("<x> @ <W> + <b>", &[]),
        Op::Mse => fwd("torch.mean(torch.square(<pred> - <target>))", &[]),
        Op::CrossEntropy => fwd("cross_entropy(<logits>, <target>)", &["cross_entropy"]),
        Op::Bce => fwd(
            "torch.mean(-(<y> * torch.log(<p>) + (1 - <y>) * torch.log(1 - <p>)))",
            &[],
        ),
    }
}

fn pytorch_map(m: Map) -> Py {
    match m {
        // refused by `not_yet` before this is reached
        Map::Maximum | Map::Minimum => fwd("None", &[]),
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
    }
}

fn jax(op: &Op) -> Py {
    match *op {
        Op::Map(m) => jax_map(m),
        // refused by `not_yet` before this is reached
        Op::Clip | Op::Max { .. } | Op::Min { .. } | Op::Index { .. } | Op::Slice { .. } => {
            fwd("None", &[])
        }
        Op::Reshape { .. } | Op::Stack { .. } | Op::Concat { .. } => fwd("None", &[]),
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
    }
}

fn jax_map(m: Map) -> Py {
    match m {
        // refused by `not_yet` before this is reached
        Map::Maximum | Map::Minimum => fwd("None", &[]),
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
    }
}
