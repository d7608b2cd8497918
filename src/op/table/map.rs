//! The table entries of the elementwise ops ([`Map`]).

use super::{BROADCAST, FLOWS_IN, KINK_AT_ZERO, KINK_WHERE_EQUAL, SAME_SHAPE, local, result};
use crate::op::def::{AttrDef, AttrDefault, AttrKind, AttrValue, Largest, OpDef};
use crate::op::{Map, Op};

pub static ADD: OpDef = OpDef {
    name: "add",
    summary: "a + b, element by element",
    formula: result("<a> + <b>", "<a> + <b>"),
    args: &[local("a", "1", "1"), local("b", "1", "1")],
    attrs: &[],
    build: |_| Op::Map(Map::Add),
    shape: BROADCAST,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::Broadcast,
};

pub static SUB: OpDef = OpDef {
    name: "sub",
    summary: "a − b, element by element",
    formula: result("<a> − <b>", "<a> - <b>"),
    args: &[local("a", "1", "1"), local("b", "−1", "-1")],
    attrs: &[],
    build: |_| Op::Map(Map::Sub),
    shape: BROADCAST,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::Broadcast,
};

pub static MUL: OpDef = OpDef {
    name: "mul",
    summary: "a · b, element by element",
    formula: result("<a> × <b>", r"<a> \times <b>"),
    args: &[local("a", "<b>", "<b>"), local("b", "<a>", "<a>")],
    attrs: &[],
    build: |_| Op::Map(Map::Mul),
    shape: BROADCAST,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::Broadcast,
};

pub static DIV: OpDef = OpDef {
    name: "div",
    summary: "a / b, element by element",
    formula: result("<a> / <b>", r"\frac{<a>}{<b>}"),
    args: &[
        local("a", "1/<b>", r"\frac{1}{<b>}"),
        local("b", "−<a>/<b>²", r"-\frac{<a>}{<b>^2}"),
    ],
    attrs: &[],
    build: |_| Op::Map(Map::Div),
    shape: BROADCAST,
    nan_cause: "division by zero",
    hazards: &[],
    largest: Largest::Broadcast,
};

pub static POW: OpDef = OpDef {
    name: "pow",
    summary: "x to the power p, element by element",
    formula: result("<x>^<p>", "{<x>}^{<p>}"),
    args: &[
        local("x", "<p>·<x>^(<p> − 1)", r"<p> \, <x>^{<p> - 1}"),
        local("p", "<out>·ln <x>", r"<out> \ln <x>"),
    ],
    attrs: &[],
    build: |_| Op::Map(Map::Pow),
    shape: BROADCAST,
    nan_cause: "a power of a negative or zero base, or an overflow",
    hazards: &[],
    largest: Largest::Broadcast,
};

pub static NEG: OpDef = OpDef {
    name: "neg",
    summary: "−x",
    formula: result("−<x>", "-<x>"),
    args: &[local("x", "−1", "-1")],
    attrs: &[],
    build: |_| Op::Map(Map::Neg),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static EXP: OpDef = OpDef {
    name: "exp",
    summary: "eˣ",
    formula: result("exp(<x>)", "e^{<x>}"),
    args: &[local("x", "<out>", "<out>")],
    attrs: &[],
    build: |_| Op::Map(Map::Exp),
    shape: SAME_SHAPE,
    nan_cause: "overflow in exp (the argument is too large)",
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static LOG: OpDef = OpDef {
    name: "log",
    summary: "the natural logarithm ln x",
    formula: result("ln(<x>)", r"\ln(<x>)"),
    args: &[local("x", "1/<x>", r"\frac{1}{<x>}")],
    attrs: &[],
    build: |_| Op::Map(Map::Log),
    shape: SAME_SHAPE,
    nan_cause: "log of a non-positive number",
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static SQRT: OpDef = OpDef {
    name: "sqrt",
    summary: "the square root √x",
    formula: result("√(<x>)", r"\sqrt{<x>}"),
    args: &[local("x", "1/(2·<out>)", r"\frac{1}{2 <out>}")],
    attrs: &[],
    build: |_| Op::Map(Map::Sqrt),
    shape: SAME_SHAPE,
    nan_cause: "square root of a negative number",
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static SQUARE: OpDef = OpDef {
    name: "square",
    summary: "x²",
    formula: result("<x>²", "{<x>}^2"),
    args: &[local("x", "2·<x>", "2 <x>")],
    attrs: &[],
    build: |_| Op::Map(Map::Square),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static ABS: OpDef = OpDef {
    name: "abs",
    summary: "the absolute value |x|",
    formula: result("|<x>|", r"\lvert <x> \rvert"),
    args: &[local(
        "x",
        "sign(<x>) (0 at 0)",
        r"\operatorname{sign}(<x>)",
    )],
    attrs: &[],
    build: |_| Op::Map(Map::Abs),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: KINK_AT_ZERO,
    largest: Largest::ResultOrArg,
};

pub static SIN: OpDef = OpDef {
    name: "sin",
    summary: "sin x (radians)",
    formula: result("sin(<x>)", r"\sin(<x>)"),
    args: &[local("x", "cos <x>", r"\cos <x>")],
    attrs: &[],
    build: |_| Op::Map(Map::Sin),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static COS: OpDef = OpDef {
    name: "cos",
    summary: "cos x (radians)",
    formula: result("cos(<x>)", r"\cos(<x>)"),
    args: &[local("x", "−sin <x>", r"-\sin <x>")],
    attrs: &[],
    build: |_| Op::Map(Map::Cos),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static SIGMOID: OpDef = OpDef {
    name: "sigmoid",
    summary: "the logistic function σ(x) = 1/(1 + e⁻ˣ)",
    formula: result("σ(<x>)", r"\sigma(<x>)"),
    args: &[local("x", "<out>·(1 − <out>)", r"<out> (1 - <out>)")],
    attrs: &[],
    build: |_| Op::Map(Map::Sigmoid),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static TANH: OpDef = OpDef {
    name: "tanh",
    summary: "the hyperbolic tangent tanh x",
    formula: result("tanh(<x>)", r"\tanh(<x>)"),
    args: &[local("x", "1 − <out>²", "1 - <out>^2")],
    attrs: &[],
    build: |_| Op::Map(Map::Tanh),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static RELU: OpDef = OpDef {
    name: "relu",
    summary: "max(x, 0)",
    formula: result("max(<x>, 0)", r"\max(<x>, 0)"),
    args: &[local(
        "x",
        "1 if <x> > 0, else 0",
        r"\begin{cases} 1 & <x> > 0 \\ 0 & \text{otherwise} \end{cases}",
    )],
    attrs: &[],
    build: |_| Op::Map(Map::Relu),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: KINK_AT_ZERO,
    largest: Largest::ResultOrArg,
};

pub static SOFTPLUS: OpDef = OpDef {
    name: "softplus",
    summary: "ln(1 + eˣ), a smooth relu",
    formula: result("ln(1 + exp(<x>))", r"\ln(1 + e^{<x>})"),
    args: &[local("x", "σ(<x>)", r"\sigma(<x>)")],
    attrs: &[],
    build: |_| Op::Map(Map::Softplus),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: &[],
    largest: Largest::ResultOrArg,
};

pub static LEAKY_RELU: OpDef = OpDef {
    name: "leaky_relu",
    summary: "x for x > 0, alpha·x otherwise",
    formula: result(
        "<x> if <x> > 0, else <alpha>·<x>",
        r"\begin{cases} <x> & <x> > 0 \\ <alpha> \, <x> & \text{otherwise} \end{cases}",
    ),
    args: &[local(
        "x",
        "1 if <x> > 0, else <alpha>",
        r"\begin{cases} 1 & <x> > 0 \\ <alpha> & \text{otherwise} \end{cases}",
    )],
    attrs: &[AttrDef {
        name: "alpha",
        kind: AttrKind::Number,
        default: AttrDefault::Value(AttrValue::Number(0.01)),
        positional: false,
    }],
    build: |a| Op::Map(Map::LeakyRelu { alpha: a.number(0) }),
    shape: SAME_SHAPE,
    nan_cause: FLOWS_IN,
    hazards: KINK_AT_ZERO,
    largest: Largest::ResultOrArg,
};

pub static MAXIMUM: OpDef = OpDef {
    name: "maximum",
    summary: "the larger of a and b, element by element",
    formula: result("max(<a>, <b>)", r"\max(<a>, <b>)"),
    args: &[
        local(
            "a",
            "1 if <a> > <b>, ½ if <a> = <b>, else 0",
            r"\begin{cases} 1 & <a> > <b> \\ \frac{1}{2} & <a> = <b> \\ 0 & \text{otherwise} \end{cases}",
        ),
        local(
            "b",
            "1 if <b> > <a>, ½ if <a> = <b>, else 0",
            r"\begin{cases} 1 & <b> > <a> \\ \frac{1}{2} & <a> = <b> \\ 0 & \text{otherwise} \end{cases}",
        ),
    ],
    attrs: &[],
    build: |_| Op::Map(Map::Maximum),
    shape: BROADCAST,
    nan_cause: FLOWS_IN,
    largest: Largest::Broadcast,
    hazards: KINK_WHERE_EQUAL,
};

pub static MINIMUM: OpDef = OpDef {
    name: "minimum",
    summary: "the smaller of a and b, element by element",
    formula: result("min(<a>, <b>)", r"\min(<a>, <b>)"),
    args: &[
        local(
            "a",
            "1 if <a> < <b>, ½ if <a> = <b>, else 0",
            r"\begin{cases} 1 & <a> < <b> \\ \frac{1}{2} & <a> = <b> \\ 0 & \text{otherwise} \end{cases}",
        ),
        local(
            "b",
            "1 if <b> < <a>, ½ if <a> = <b>, else 0",
            r"\begin{cases} 1 & <b> < <a> \\ \frac{1}{2} & <a> = <b> \\ 0 & \text{otherwise} \end{cases}",
        ),
    ],
    attrs: &[],
    build: |_| Op::Map(Map::Minimum),
    shape: BROADCAST,
    nan_cause: FLOWS_IN,
    largest: Largest::Broadcast,
    hazards: KINK_WHERE_EQUAL,
};
