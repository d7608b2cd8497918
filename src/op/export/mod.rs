//! Each op as Python, for `bpc export`: its forward as a NumPy, PyTorch or
//! JAX expression and, for NumPy, its backward written out by hand with the
//! derivative beside it, the way the lesson writes a layer's `backward`.
//! Every op is written in every target ([`numpy`], [`autograd`]).
//!
//! Templates name the op's arguments as `<a>`, `<b>`, `<x>`, ... (the names
//! in the op's signature), its result as `<out>` and the upstream gradient
//! as `<g>`; `<x...>` stands for all the arguments of a variadic op (stack,
//! concat), comma-separated. The script assembler (`crate::export`) fills
//! them in. A NumPy backward call returns one gradient per argument (a tuple
//! when there are several), each with its argument's shape.
//!
//! The NumPy helpers compute what `kernels.rs`, `select.rs` and
//! `Map::forward_scalar` compute, in the same order where it matters, so a
//! script agrees with `bpc run` to rounding (tests/export.rs holds it to
//! 1e-12). The PyTorch and JAX forwards are written so that autograd gives
//! bpc's gradient, also at ties (`clip`, `max`, `min`).

mod autograd;
mod numpy;

use super::Op;

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
    /// The helper functions (in [`helpers`]) the two use.
    pub needs: &'static [&'static str],
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

/// `op` in `target`'s Python: every op is written in every target.
pub fn python(op: &Op, target: Target) -> Py {
    match target {
        Target::Numpy => numpy::numpy(op),
        Target::Pytorch => autograd::pytorch(op),
        Target::Jax => autograd::jax(op),
    }
}

/// `, axis=k` for a reduction over one axis, nothing over all.
fn axis_arg(axis: Option<isize>) -> String {
    axis.map(|k| format!(", axis={k}")).unwrap_or_default()
}

/// A subscript taking `item` (`1`, `0:2`) along `axis` and everything along
/// the other axes, as Python writes it: `[1]`, `[:, 1]`, `[..., 0:2]`
/// (a negative axis counts from the end).
fn subscript(axis: i32, item: &str) -> String {
    if axis >= 0 {
        format!("[{}{item}]", ":, ".repeat(axis as usize))
    } else {
        format!(
            "[..., {item}{}]",
            ", :".repeat((-(axis as i64) - 1) as usize)
        )
    }
}

/// reshape's target as a Python tuple: `()`, `(6,)`, `(3, -1)`.
fn shape_tuple(sizes: &[i64]) -> String {
    match sizes {
        [n] => format!("({n},)"),
        _ => {
            let s: Vec<String> = sizes.iter().map(|d| d.to_string()).collect();
            format!("({})", s.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscripts_read_as_python() {
        assert_eq!(subscript(0, "1"), "[1]");
        assert_eq!(subscript(2, "-1"), "[:, :, -1]");
        assert_eq!(subscript(-1, "0:2"), "[..., 0:2]");
        assert_eq!(subscript(-3, "2"), "[..., 2, :, :]");
        assert_eq!(shape_tuple(&[]), "()");
        assert_eq!(shape_tuple(&[6]), "(6,)");
        assert_eq!(shape_tuple(&[3, -1]), "(3, -1)");
    }

    #[test]
    fn every_op_is_written_in_every_target() {
        for def in crate::op::OPS {
            let op = (def.build)(&def.defaults());
            for target in [Target::Numpy, Target::Pytorch, Target::Jax] {
                let p = python(&op, target);
                assert!(!p.forward.is_empty(), "{} {}", def.name, target.name());
                // NumPy writes every backward by hand; the others use autograd.
                assert_eq!(
                    p.backward.is_some(),
                    target == Target::Numpy,
                    "{}",
                    def.name
                );
                for need in p.needs {
                    let text = format!("\ndef {need}(");
                    assert!(helpers(target).contains(&text), "{}: no {need}", def.name);
                }
            }
        }
    }
}
