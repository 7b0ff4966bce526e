// Go's fmt for templates: sprint (fmt.Sprint, behind {{print}}) and sprintf (fmt.Sprintf, behind
// {{printf}}) over template values. Bad verbs and argument counts print Go's %!… markers, never throw.
import { goString, typeName, type Value } from "./template-value.ts";

/** fmt.Sprint: a space between operands when neither side is a string. */
export function sprint(args: Value[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += goString(a);
  });
  return out;
}

/** Go's fmt refuses widths and precisions beyond this (%!(BADWIDTH), %!(BADPREC)); pad takes it as its limit too. */
export const MAX_WIDTH = 1e6;

/** How a mismatched operand prints inside %!…(…): its type and value. */
const typed = (a: Value): string => `${typeName(a)}=${goString(a)}`;

/** fmt.Sprintf for the verbs templates use: %s %v %d %q %t %x %X %o %b %f %e %g %c %%, with flags, width and precision. */
export function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])/g, (_all, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    let bad = "";
    if (width === "*") {
      const w = args[n++];
      if (typeof w === "number" && Number.isInteger(w) && Math.abs(w) <= MAX_WIDTH) {
        if (w < 0) flags += "-"; // as Go: a negative width argument left-justifies
        width = String(Math.abs(w));
      } else [bad, width] = ["%!(BADWIDTH)", undefined];
    } else if (width !== undefined && Number(width) > MAX_WIDTH) [bad, width] = ["%!(BADWIDTH)", undefined];
    if (prec === "*") {
      const p = args[n++];
      if (typeof p === "number" && Number.isInteger(p) && p >= 0 && p <= MAX_WIDTH) prec = String(p);
      else [bad, prec] = [`${bad}%!(BADPREC)`, undefined];
    } else if (prec !== undefined && Number(prec) > MAX_WIDTH) [bad, prec] = [`${bad}%!(BADPREC)`, undefined];
    if (n >= args.length) return `${bad}%!${verb}(MISSING)`;
    const a = args[n++];
    let s: string;
    switch (verb) {
      case "v":
      case "s":
        s = goString(a);
        if (prec !== undefined && verb === "s") s = s.slice(0, Number(prec));
        break;
      case "q":
        s = JSON.stringify(goString(a));
        break;
      case "d":
        s = typeof a === "number" ? String(Math.trunc(a)) : `%!d(${typed(a)})`;
        if (flags.includes("+") && typeof a === "number" && a >= 0) s = `+${s}`;
        break;
      case "t":
        s = typeof a === "boolean" ? String(a) : `%!t(${typed(a)})`;
        break;
      case "x":
      case "X":
        s = typeof a === "number" ? Math.trunc(a).toString(16) : Buffer.from(goString(a)).toString("hex");
        if (verb === "X") s = s.toUpperCase();
        break;
      case "o":
        s = typeof a === "number" ? Math.trunc(a).toString(8) : `%!o(${typed(a)})`;
        break;
      case "b":
        s = typeof a === "number" ? Math.trunc(a).toString(2) : `%!b(${typed(a)})`;
        break;
      case "f":
      case "F":
        s = typeof a === "number" ? decimal(a, prec === undefined ? 6 : Number(prec), false) : `%!f(${typed(a)})`;
        break;
      case "e":
        s = typeof a === "number" ? decimal(a, prec === undefined ? 6 : Number(prec), true) : `%!e(${typed(a)})`;
        break;
      case "g":
        s = typeof a === "number" ? String(a) : `%!g(${typed(a)})`;
        break;
      case "c":
        // as Go: what is no Unicode scalar value prints as U+FFFD
        s = typeof a === "number" ? (Number.isInteger(a) && a >= 0 && a <= 0x10ffff && !(a >= 0xd800 && a <= 0xdfff) ? String.fromCodePoint(a) : "\ufffd") : `%!c(${typed(a)})`;
        break;
      default:
        s = `%!${verb}(${typed(a)})`;
    }
    s = bad + s;
    const w = width === undefined ? 0 : Number(width);
    if (s.length < w) {
      if (flags.includes("-")) s = s.padEnd(w);
      else if (flags.includes("0") && /[dxXobfFe]/.test(verb)) s = s.startsWith("-") ? `-${s.slice(1).padStart(w - 1, "0")}` : s.padStart(w, "0");
      else s = s.padStart(w);
    }
    return s;
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map(typed).join(", ")})` : "");
}

/**
 * %f and %e of a float64 with `prec` digits, exact as Go prints them: JavaScript's toFixed and
 * toExponential stop at 100 digits, so longer precisions expand the binary value with BigInt.
 */
function decimal(x: number, prec: number, exponent: boolean): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
  if (prec <= 100) return exponent ? x.toExponential(prec).replace(/e([-+])(\d)$/, "e$10$2") : x.toFixed(prec);
  // x = mant × 2^exp exactly
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const mant = (bits & ((1n << 52n) - 1n)) | (biased ? 1n << 52n : 0n);
  const exp = biased ? biased - 1075 : -1074;
  /** round(x × 10^k), half to even. */
  const scaled = (k: number): bigint => {
    let num = mant * (k > 0 ? 10n ** BigInt(k) : 1n);
    let den = k < 0 ? 10n ** BigInt(-k) : 1n;
    if (exp >= 0) num <<= BigInt(exp);
    else den <<= BigInt(-exp);
    const q = num / den;
    const r2 = (num % den) * 2n;
    return r2 > den || (r2 === den && q % 2n === 1n) ? q + 1n : q;
  };
  const sign = x < 0 ? "-" : "";
  if (!exponent) {
    const digits = scaled(prec).toString().padStart(prec + 1, "0");
    return `${sign}${digits.slice(0, -prec)}.${digits.slice(-prec)}`;
  }
  let e = mant === 0n ? 0 : Math.floor(Math.log10(Math.abs(x)));
  let digits = scaled(prec - e).toString();
  if (mant !== 0n && digits.length > prec + 1) digits = scaled(prec - ++e).toString(); // the estimate was one short, or rounding carried
  if (mant !== 0n && digits.length < prec + 1) digits = scaled(prec - --e).toString();
  digits = digits.padEnd(prec + 1, "0");
  const ee = Math.abs(e).toString().padStart(2, "0");
  return `${sign}${digits[0]}.${digits.slice(1)}e${e < 0 ? "-" : "+"}${ee}`;
}
