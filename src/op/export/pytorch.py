# The PyTorch helpers of scripts exported by `bpc export --to pytorch`: the
# ops whose bpc meaning no single torch function has. Autograd differentiates
# them; `bpc export` copies the functions a graph uses into its script.
import torch


def cross_entropy(logits, target):
    """Mean over rows of -Σ target · log_softmax(logits); target one-hot (or
    probability) rows, or one class index per row (NaN for an invalid one;
    class indices get no gradient, as in bpc)."""
    ls = torch.log_softmax(logits.reshape(-1, logits.shape[-1]), dim=1)
    n, c = ls.shape
    if target.shape == logits.shape:
        return -torch.sum(target.reshape(n, c) * ls) / n
    t = target.detach().reshape(-1)
    valid = (t == torch.floor(t)) & (t >= 0) & (t < c)
    index = torch.where(valid, t, torch.zeros_like(t)).long().unsqueeze(1)
    picked = ls.gather(1, index).squeeze(1)
    return torch.sum(torch.where(valid, -picked, torch.nan)) / n


def clip(x, lo, hi):
    """min(max(x, lo), hi) as bpc writes it: autograd gives the gradient to x
    where lo <= x <= hi, to lo below, to hi above (hi where lo > hi)."""
    m = torch.where(x < lo, lo, x)
    return torch.where(m > hi, hi, m)


def first_max(x, dim=None):
    """max as bpc: the first maximum of each lane (the first NaN if there is
    one), so autograd sends the gradient there alone (torch.max(x) with no
    dim shares it among equal maxima)."""
    if dim is None:
        flat = x.reshape(-1)
        return flat[torch.argmax(flat)]
    return torch.gather(x, dim, torch.argmax(x, dim=dim, keepdim=True)).squeeze(dim)


def first_min(x, dim=None):
    """min as bpc: the first minimum of each lane (the first NaN if there is one)."""
    if dim is None:
        flat = x.reshape(-1)
        return flat[torch.argmin(flat)]
    return torch.gather(x, dim, torch.argmin(x, dim=dim, keepdim=True)).squeeze(dim)
