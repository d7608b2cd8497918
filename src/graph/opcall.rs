//! A call checked against the op table: the op's name, its number of
//! arguments, and its attributes, given by key (`axis=1`) or, where the op
//! allows it, by position after the arguments (`clip(x, 0, 1)`).

use super::Builder;
use super::values::format_literal;
use crate::diag::{Diagnostic, ErrorKind, Sp, Span, did_you_mean};
use crate::op::{AttrDefault, AttrKind, AttrValue, Dims, OPS, Op, OpDef, op_def};
use crate::spec::{self, Arg, Attr};

/// The largest |value| of a position or size attribute.
const MAX_INDEX: f64 = i32::MAX as f64;

impl Builder<'_> {
    /// Checks the op name, arity and attributes; when all is well, the op and
    /// how many of the call's positional pieces are arguments (the rest were
    /// attributes given by position).
    pub(super) fn check_op(&mut self, call: &spec::Call<&str>, span: Span) -> Option<(Op, usize)> {
        let Some(def) = op_def(call.op.value) else {
            self.error(
                Diagnostic::new(
                    ErrorKind::UnknownOp,
                    format!("unknown op `{}`", call.op.value),
                )
                .at(self.src, call.op.span, "not an op")
                .help(
                    did_you_mean(call.op.value, OPS.iter().map(|d| d.name))
                        .unwrap_or_else(|| "see the list of ops in the README".into()),
                ),
            );
            return None;
        };
        let positional: Vec<usize> = (0..def.attrs.len())
            .filter(|&i| def.attrs[i].positional)
            .collect();
        let (min, max) = def.arity();
        let given = call.args.len();
        // Pieces past the arguments are positional attributes (fixed arity only).
        let arity = if max == usize::MAX {
            given
        } else {
            given.min(max)
        };
        let extra = given - arity;
        let mut ok = true;
        if arity < min || extra > positional.len() {
            ok = false;
            self.arity_error(def, call, span);
        }
        let mut attrs = def.defaults();
        // An attribute given twice keeps its first value.
        let mut set = vec![false; def.attrs.len()];
        let by_position = call.args[arity..].iter().zip(&positional);
        for (piece, &i) in by_position {
            let value = match &piece.value {
                Arg::Number(x) => Attr::Number(*x),
                Arg::Name(n) => Attr::Text(*n),
            };
            ok &= self.set_attr(def, i, &Sp::new(value, piece.span), &mut attrs, &mut set);
        }
        for (key, val) in &call.attrs {
            let Some(i) = def.attrs.iter().position(|a| a.name == key.value) else {
                ok = false;
                let help = match did_you_mean(key.value, def.attrs.iter().map(|a| a.name)) {
                    Some(h) => h,
                    None if def.attrs.is_empty() => format!("`{}` takes no attributes", def.name),
                    None => format!("usage: `{}`", def.usage()),
                };
                self.error(
                    Diagnostic::new(
                        ErrorKind::UnknownAttribute,
                        format!("`{}` has no attribute `{}`", def.name, key.value),
                    )
                    .at(self.src, key.span, "unknown attribute")
                    .help(help),
                );
                continue;
            };
            ok &= self.set_attr(def, i, val, &mut attrs, &mut set);
        }
        for (i, attr) in def.attrs.iter().enumerate() {
            if ok && attr.default == AttrDefault::Required && !set[i] {
                ok = false;
                self.error(
                    Diagnostic::new(
                        ErrorKind::Arity,
                        format!("`{}` needs `{}`", def.name, attr.name),
                    )
                    .at(self.src, span, format!("no `{}`", attr.name))
                    .help(format!("write it as `{}`", def.usage())),
                );
            }
        }
        ok.then(|| ((def.build)(&attrs), arity))
    }

    fn arity_error(&mut self, def: &OpDef, call: &spec::Call<&str>, span: Span) {
        let found = call.args.len();
        let (min, max) = def.arity();
        let positional = def.attrs.iter().filter(|a| a.positional).count();
        let takes = if max == usize::MAX {
            format!("at least {min} argument{}", if min == 1 { "" } else { "s" })
        } else {
            let n = max + positional;
            format!("{n} argument{}", if n == 1 { "" } else { "s" })
        };
        self.error(
            Diagnostic::new(
                ErrorKind::Arity,
                format!("`{}` takes {takes}, found {found}", def.name),
            )
            .at(self.src, span, "wrong number of arguments")
            .help(match call.arity_hint(self.src, min) {
                Some(hint) if max != usize::MAX => {
                    format!("{hint}; write the call as `{}`", def.usage())
                }
                _ => format!("write it as `{}`", def.usage()),
            }),
        );
    }

    /// Checks attribute `i`'s value against its kind and records it; false
    /// (with an error) when it does not fit.
    fn set_attr(
        &mut self,
        def: &OpDef,
        i: usize,
        val: &Sp<Attr<&str>>,
        attrs: &mut crate::op::Attrs,
        set: &mut [bool],
    ) -> bool {
        let (name, kind) = (def.attrs[i].name, def.attrs[i].kind);
        let int = |x: f64| x.fract() == 0.0 && x.abs() < MAX_INDEX;
        let value = match (&val.value, kind) {
            (Attr::Number(x), AttrKind::Axis) if int(*x) && x.abs() < 64.0 => {
                Some(AttrValue::Int(*x as isize))
            }
            (Attr::Number(x), AttrKind::Index) if int(*x) => Some(AttrValue::Int(*x as isize)),
            (Attr::Number(x), AttrKind::Number) if x.is_finite() => Some(AttrValue::Number(*x)),
            (Attr::List(xs), AttrKind::Shape) if xs.iter().all(|&x| int(x)) => {
                let sizes: Vec<i64> = xs.iter().map(|&x| x as i64).collect();
                Dims::new(&sizes).map(AttrValue::Shape)
            }
            _ => None,
        };
        if let Some(v) = value {
            if !set[i] {
                set[i] = true;
                attrs.0[i] = Some(v);
            }
            return true;
        }
        let (want, example) = match kind {
            AttrKind::Axis => ("an integer axis", "axis=1 or axis=-1"),
            AttrKind::Index => ("an integer", "0, 2 or -1"),
            AttrKind::Number => ("a number", "alpha=0.2"),
            AttrKind::Shape => (
                "a shape: a list of at most 4 sizes, one of them -1 at most",
                "shape=[2, 3] or shape=[-1, 4]",
            ),
        };
        let found = match &val.value {
            Attr::Number(x) => format_literal(*x),
            Attr::List(xs) => {
                let xs: Vec<String> = xs.iter().map(|&x| format_literal(x)).collect();
                format!("[{}]", xs.join(", "))
            }
            Attr::Text(t) => t.to_string(),
        };
        self.error(
            Diagnostic::new(
                ErrorKind::BadValue,
                format!(
                    "attribute `{name}` of `{}` must be {want}, found `{found}`",
                    def.name
                ),
            )
            .at(self.src, val.span, format!("expected {want}"))
            .help(format!("for example `{example}`")),
        );
        false
    }
}
