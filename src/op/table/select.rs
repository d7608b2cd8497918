//! The table entries of the ops that pick or move elements: max, min,
//! index, slice, reshape, stack, concat.

use super::{FLOWS_IN, many, result, vjp};
use crate::op::Hazard;
use crate::op::def::{AttrDef, AttrDefault, AttrKind, AttrValue, Largest, OpDef};
use crate::op::{Dims, Op};

/// `axis`, every axis when absent (`max`, `min`).
const AXIS_ALL: &[AttrDef] = &[AttrDef {
    name: "axis",
    kind: AttrKind::Axis,
    default: AttrDefault::Absent("all"),
    positional: false,
}];

/// `axis`, the first by default.
const AXIS_FIRST: AttrDef = AttrDef {
    name: "axis",
    kind: AttrKind::Axis,
    default: AttrDefault::Value(AttrValue::Int(0)),
    positional: false,
};

/// A required integer that may be given by position.
const fn position(name: &'static str) -> AttrDef {
    AttrDef {
        name,
        kind: AttrKind::Index,
        default: AttrDefault::Required,
        positional: true,
    }
}

/// Where `max` and `min` pick another element, finite differences jump.
const PICKS: &[Hazard] = &[Hazard::PickChanged { arg: 0 }];

pub static MAX: OpDef = OpDef {
    name: "max",
    summary: "the largest element of x along an axis, or of all of x",
    formula: result("max of <x> over <axis>", r"\max_{<axis>} <x>"),
    args: &[vjp(
        "x",
        "<g> at the first maximum of each lane, 0 elsewhere",
        r"<g> \cdot [\text{first } \arg\max]",
    )],
    attrs: AXIS_ALL,
    build: |a| Op::Max { axis: a.int(0) },
    shape: "removes the reduced axis (a scalar without an axis)",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: PICKS,
};

pub static MIN: OpDef = OpDef {
    name: "min",
    summary: "the smallest element of x along an axis, or of all of x",
    formula: result("min of <x> over <axis>", r"\min_{<axis>} <x>"),
    args: &[vjp(
        "x",
        "<g> at the first minimum of each lane, 0 elsewhere",
        r"<g> \cdot [\text{first } \arg\min]",
    )],
    attrs: AXIS_ALL,
    build: |a| Op::Min { axis: a.int(0) },
    shape: "removes the reduced axis (a scalar without an axis)",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: PICKS,
};

pub static INDEX: OpDef = OpDef {
    name: "index",
    summary: "element i of x along an axis: one element of a vector, one row of a matrix",
    formula: result("<x>[<i>] along <axis>", r"{<x>}_{[<i>],\, <axis>}"),
    args: &[vjp(
        "x",
        "<g> placed at position <i>, 0 elsewhere",
        r"e_{<i>} \otimes <g>",
    )],
    attrs: &[position("i"), AXIS_FIRST],
    build: |a| Op::Index {
        i: a.int32(0),
        axis: a.int32(1),
    },
    shape: "removes the indexed axis; i counts from 0 (negative from the end)",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: &[],
};

pub static SLICE: OpDef = OpDef {
    name: "slice",
    summary: "elements start to stop − 1 of x along an axis, as x[start:stop] in Python",
    formula: result(
        "<x>[<start>:<stop>] along <axis>",
        r"{<x>}_{[<start>:<stop>],\, <axis>}",
    ),
    args: &[vjp(
        "x",
        "<g> placed at positions <start> to <stop> − 1, 0 elsewhere",
        r"\bigl[0, \dots, <g>, \dots, 0\bigr]_{<start>:<stop>}",
    )],
    attrs: &[position("start"), position("stop"), AXIS_FIRST],
    build: |a| Op::Slice {
        start: a.int32(0),
        stop: a.int32(1),
        axis: a.int32(2),
    },
    shape: "keeps x's shape but the sliced axis, which becomes stop − start long \
            (negative positions count from the end; an empty slice is an error)",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: &[],
};

pub static RESHAPE: OpDef = OpDef {
    name: "reshape",
    summary: "x's elements, in row-major order, in a new shape",
    formula: result(
        "<x> reshaped to <shape>",
        r"\operatorname{reshape}(<x>, <shape>)",
    ),
    args: &[vjp(
        "x",
        "<g> reshaped to the shape of <x>",
        r"\operatorname{reshape}(<g>, \operatorname{shape}(<x>))",
    )],
    attrs: &[AttrDef {
        name: "shape",
        kind: AttrKind::Shape,
        default: AttrDefault::Required,
        positional: false,
    }],
    build: |a| Op::Reshape {
        shape: a.shape(0).unwrap_or(Dims::EMPTY),
    },
    shape: "gives the shape written, with one -1 inferred; the element count must not change",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: &[],
};

pub static STACK: OpDef = OpDef {
    name: "stack",
    summary: "the arguments (of one shape) stacked along a new axis: scalars into a vector, \
              vectors into a matrix",
    formula: result(
        "[<x>, ...] stacked along a new <axis>",
        r"\operatorname{stack}_{<axis>}(<x>, \dots)",
    ),
    args: &[many(
        "x",
        "slab k of <g> along the new axis, for the k-th argument",
        r"<g>_{[k]}",
    )],
    attrs: &[AXIS_FIRST],
    build: |a| Op::Stack {
        axis: a.int(0).unwrap_or(0),
    },
    shape: "adds an axis as long as the number of arguments, which must have one shape",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: &[],
};

pub static CONCAT: OpDef = OpDef {
    name: "concat",
    summary: "the arguments joined end to end along an existing axis",
    formula: result(
        "<x> ⧺ ... along <axis>",
        r"\operatorname{concat}_{<axis>}(<x>, \dots)",
    ),
    args: &[many(
        "x",
        "the part of <g> where the k-th argument was placed",
        r"<g>_{[\text{part } k]}",
    )],
    attrs: &[AXIS_FIRST],
    build: |a| Op::Concat {
        axis: a.int(0).unwrap_or(0),
    },
    shape: "adds up the arguments' sizes along the axis; their other sizes must agree",
    nan_cause: FLOWS_IN,
    largest: Largest::ResultOrArg,
    hazards: &[],
};
