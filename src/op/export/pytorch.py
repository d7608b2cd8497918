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
