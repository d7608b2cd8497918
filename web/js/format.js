// Numbers for people, as bpc prints them (render::number): `sig` significant
// digits, trailing zeros dropped, scientific below 1e-4 and from 10^sig.

/** @param {number} x @param {number} [sig] */
export function number(x, sig = 6) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  sig = Math.min(Math.max(sig, 1), 17);
  const [mantissa, e] = x.toExponential(sig - 1).split("e");
  const exp = parseInt(e, 10);
  if (exp < -4 || exp >= sig) {
    const sign = exp < 0 ? "-" : "+";
    return `${trimZeros(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return trimZeros(x.toFixed(Math.max(sig - 1 - exp, 0)));
}

function trimZeros(s) {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/** A JSON number of bpc's (NaN and infinities come as strings) as a number. */
export function toNumber(v) {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return NaN;
}

/** Every element of a nested array, in row-major order. */
export function flatten(v) {
  return Array.isArray(v) ? v.flatMap(flatten) : [toNumber(v)];
}

/** Row-major `data` of `shape` as nested arrays. */
export function nest(shape, data) {
  if (shape.length === 0) return data[0];
  const [n, ...rest] = shape;
  const stride = rest.reduce((a, b) => a * b, 1);
  const out = [];
  for (let i = 0; i < n; i++) out.push(nest(rest, data.slice(i * stride, (i + 1) * stride)));
  return out;
}
