# PyTorch plumbing of scripts exported by `bpc export --to pytorch`: leaves
# that keep their gradient, nodes whose gradient autograd keeps too.
import torch


def as_leaf(v):
    """A float64 tensor whose gradient autograd computes."""
    return torch.tensor(v, dtype=torch.float64, requires_grad=True)


def const(x):
    """A number written as an argument: a constant, no gradient."""
    return torch.tensor(x, dtype=torch.float64)


def keep_grad(t):
    """Keeps a node's gradient (autograd keeps only the leaves' by default)."""
    if t.requires_grad:
        t.retain_grad()
    else:  # a node computed from numbers alone
        t.requires_grad_()
    return t


def grad_of(t):
    """The gradient autograd computed; zeros where no path led to the output."""
    return t.grad if t.grad is not None else torch.zeros_like(t)
