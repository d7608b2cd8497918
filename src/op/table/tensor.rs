//! The table entries of the tensor ops (everything but [`crate::op::Map`]).

use super::{FLOWS_IN, result, target, vjp};
use crate::op::Hazard;
use crate::op::Op;
use crate::op::def::{AttrDef, AttrDefault, AttrKind, AttrValue, Largest, OpDef};

/// `axis`, every axis when absent (`sum`, `mean`).
const AXIS_ALL: &[AttrDef] = &[AttrDef {
    name: "axis",
    kind: AttrKind::Axis,
    default: AttrDefault::Absent("all"),
    positional: false,
}];

/// `axis`, the last by default (`softmax`, `log_softmax`).
const AXIS_LAST: &[AttrDef] = &[AttrDef {
    name: "axis",
    kind: AttrKind::Axis,
    default: AttrDefault::Value(AttrValue::Int(-1)),
    positional: false,
}];

pub static MATMUL: OpDef = OpDef {
    name: "matmul",
    summary: "the matrix product a @ b (1-D operands as in NumPy)",
    formula: result("<a> · <b>", r"<a> \, <b>"),
    args: &[
        vjp("a", "<g> · <b>ᵀ", r"<g> \, <b>^\top"),
        vjp("b", "<a>ᵀ · <g>", r"<a>^\top <g>"),
    ],
    attrs: &[],
    build: |_| Op::Matmul,
    shape: "multiplies [m, k] by [k, n] into [m, n] (a 1-D a has no m axis, a 1-D b no n axis)",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static TRANSPOSE: OpDef = OpDef {
    name: "transpose",
    summary: "xᵀ: the axes of x in reverse order",
    formula: result("<x>ᵀ", r"{<x>}^\top"),
    args: &[vjp("x", "<g>ᵀ", r"<g>^\top")],
    attrs: &[],
    build: |_| Op::Transpose,
    shape: "reverses the axes: [m, n] becomes [n, m]",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static SUM: OpDef = OpDef {
    name: "sum",
    summary: "the sum of x's elements along an axis, or of all of them",
    formula: result("Σ <x> over <axis>", r"\textstyle\sum_{<axis>} <x>"),
    args: &[vjp(
        "x",
        "<g> repeated along the summed axis",
        r"\mathbf{1} \otimes <g>",
    )],
    attrs: AXIS_ALL,
    build: |a| Op::Sum { axis: a.int(0) },
    shape: "removes the summed axis (a scalar without an axis)",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static MEAN: OpDef = OpDef {
    name: "mean",
    summary: "the mean of x's elements along an axis, or of all of them",
    formula: result(
        "mean of <x> over <axis>",
        r"\operatorname{mean}_{<axis>} <x>",
    ),
    args: &[vjp(
        "x",
        "<g>/n repeated along the averaged axis (n elements averaged)",
        r"\frac{1}{n} \mathbf{1} \otimes <g>",
    )],
    attrs: AXIS_ALL,
    build: |a| Op::Mean { axis: a.int(0) },
    shape: "removes the averaged axis (a scalar without an axis)",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static SOFTMAX: OpDef = OpDef {
    name: "softmax",
    summary: "eˣ / Σ eˣ along an axis: each lane becomes probabilities",
    formula: result(
        "softmax(<x>) along <axis>",
        r"\operatorname{softmax}_{<axis>}(<x>)",
    ),
    args: &[vjp(
        "x",
        "<out> ⊙ (<g> − Σ <g> ⊙ <out>), the sum along the axis",
        r"<out> \odot \bigl(<g> - \textstyle\sum (<g> \odot <out>)\bigr)",
    )],
    attrs: AXIS_LAST,
    build: |a| Op::Softmax {
        axis: a.int(0).unwrap_or(-1),
    },
    shape: "keeps the shape of its argument (rank 1 or more)",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static LOG_SOFTMAX: OpDef = OpDef {
    name: "log_softmax",
    summary: "x − ln Σ eˣ along an axis: the log of softmax, computed stably",
    formula: result(
        "log_softmax(<x>) along <axis>",
        r"\log\operatorname{softmax}_{<axis>}(<x>)",
    ),
    args: &[vjp(
        "x",
        "<g> − exp(<out>) · Σ <g>, the sum along the axis",
        r"<g> - e^{<out>} \textstyle\sum <g>",
    )],
    attrs: AXIS_LAST,
    build: |a| Op::LogSoftmax {
        axis: a.int(0).unwrap_or(-1),
    },
    shape: "keeps the shape of its argument (rank 1 or more)",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static AFFINE: OpDef = OpDef {
    name: "affine",
    summary: "x @ W + b: a dense layer",
    formula: result("<x> · <W> + <b>", r"<x> \, <W> + <b>"),
    args: &[
        vjp("x", "<g> · <W>ᵀ", r"<g> \, <W>^\top"),
        vjp("W", "<x>ᵀ · <g>", r"<x>^\top <g>"),
        vjp(
            "b",
            "<g> summed over the axes b was broadcast along",
            r"\textstyle\sum_{\text{rows}} <g>",
        ),
    ],
    attrs: &[],
    build: |_| Op::Affine,
    shape: "multiplies x [m, k] by W [k, n], then adds b broadcast to [m, n]",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static MSE: OpDef = OpDef {
    name: "mse",
    summary: "the mean squared error: mean of (pred − target)²",
    formula: result(
        "mean((<pred> − <target>)²)",
        r"\operatorname{mean}\bigl((<pred> - <target>)^2\bigr)",
    ),
    args: &[
        vjp(
            "pred",
            "2·(<pred> − <target>)·<g>/n (n elements)",
            r"\frac{2}{n} (<pred> - <target>) \, <g>",
        ),
        target(
            "target",
            "−2·(<pred> − <target>)·<g>/n (n elements)",
            r"-\frac{2}{n} (<pred> - <target>) \, <g>",
        ),
    ],
    attrs: &[],
    build: |_| Op::Mse,
    shape: "broadcasts pred and target together and gives a scalar",
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::Broadcast,
};

pub static CROSS_ENTROPY: OpDef = OpDef {
    name: "cross_entropy",
    summary: "softmax cross-entropy of logits rows against class indices or probability rows, \
              averaged over rows",
    formula: result(
        "−mean over rows of Σ <target>·log_softmax(<logits>)",
        r"-\operatorname{mean}_{\text{rows}} \textstyle\sum <target> \log\operatorname{softmax}(<logits>)",
    ),
    args: &[
        vjp(
            "logits",
            "(softmax(<logits>)·Σ<target> − <target>)·<g>/N over N rows \
             (softmax − onehot(<target>) for class indices)",
            r"\frac{<g>}{N} \bigl(\operatorname{softmax}(<logits>) \textstyle\sum <target> - <target>\bigr)",
        ),
        target(
            "target",
            "−log_softmax(<logits>)·<g>/N over N rows (0 for class indices)",
            r"-\frac{<g>}{N} \log\operatorname{softmax}(<logits>)",
        ),
    ],
    attrs: &[],
    build: |_| Op::CrossEntropy,
    shape: "takes logits [N, C] (or [C]) and a target of the same shape or one class index \
            per row ([N], or [] for [C]), and gives a scalar",
    nan_cause: "a class index outside [0, classes), or non-finite logits",
    hazards: &[Hazard::ClassIndex {
        target: 1,
        logits: 0,
    }],
    largest: Largest::ResultOrArg,
};

pub static BCE: OpDef = OpDef {
    name: "bce",
    summary: "binary cross-entropy: mean of −(y ln p + (1 − y) ln(1 − p))",
    formula: result(
        "−mean(<y>·ln <p> + (1 − <y>)·ln(1 − <p>))",
        r"-\operatorname{mean}\bigl(<y> \ln <p> + (1 - <y>) \ln(1 - <p>)\bigr)",
    ),
    args: &[
        vjp(
            "p",
            "(<p> − <y>)/(<p>·(1 − <p>))·<g>/n (n elements)",
            r"\frac{<g>}{n} \, \frac{<p> - <y>}{<p> (1 - <p>)}",
        ),
        target(
            "y",
            "−(ln <p> − ln(1 − <p>))·<g>/n (n elements)",
            r"-\frac{<g>}{n} \bigl(\ln <p> - \ln(1 - <p>)\bigr)",
        ),
    ],
    attrs: &[],
    build: |_| Op::Bce,
    shape: "broadcasts p and y together and gives a scalar",
    nan_cause: "log of 0 or of a negative number: p must be in (0, 1)",
    hazards: &[],
    largest: Largest::Broadcast,
};

pub static CLIP: OpDef = OpDef {
    name: "clip",
    summary: "x limited to [lo, hi]: min(max(x, lo), hi), element by element",
    formula: result("min(max(<x>, <lo>), <hi>)", r"\min(\max(<x>, <lo>), <hi>)"),
    args: &[
        vjp(
            "x",
            "<g> where <lo> ≤ <x> ≤ <hi>, else 0",
            r"<g> \, [<lo> \le <x> \le <hi>]",
        ),
        vjp("lo", "<g> where <x> < <lo>, else 0", r"<g> \, [<x> < <lo>]"),
        vjp("hi", "<g> where <x> > <hi>, else 0", r"<g> \, [<x> > <hi>]"),
    ],
    attrs: &[],
    build: |_| Op::Clip,
    shape: "broadcasts x, lo and hi together like NumPy",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: &[
        Hazard::KinkWhereEqual { a: 0, b: 1 },
        Hazard::KinkWhereEqual { a: 0, b: 2 },
    ],
};
