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

/** How a mismatched operand prints inside %!…(…): its type and value. */
const typed = (a: Value): string => `${typeName(a)}=${goString(a)}`;

/** fmt.Sprintf for the verbs templates use: %s %v %d %q %t %x %X %o %b %f %e %g %c %%, with flags, width and precision. */
export function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])/g, (_all, flags: string, width: string | undefined, prec: string | undefined, verb: string) => {
    if (verb === "%") return "%";
    if (width === "*") width = String(args[n++]);
    if (prec === "*") prec = String(args[n++]);
    if (n >= args.length) return `%!${verb}(MISSING)`;
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
        s = typeof a === "number" ? a.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${typed(a)})`;
        break;
      case "e":
        s = typeof a === "number" ? a.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([-+])(\d)$/, "e$10$2") : `%!e(${typed(a)})`;
        break;
      case "g":
        s = typeof a === "number" ? String(a) : `%!g(${typed(a)})`;
        break;
      case "c":
        s = typeof a === "number" ? String.fromCodePoint(a) : `%!c(${typed(a)})`;
        break;
      default:
        s = `%!${verb}(${typed(a)})`;
    }
    const w = width === undefined ? 0 : Number(width);
    if (s.length < w) {
      if (flags.includes("-")) s = s.padEnd(w);
      else if (flags.includes("0") && /[dxXobfFe]/.test(verb)) s = s.startsWith("-") ? `-${s.slice(1).padStart(w - 1, "0")}` : s.padStart(w, "0");
      else s = s.padStart(w);
    }
    return s;
  }) + (n < args.length ? `%!(EXTRA ${args.slice(n).map(typed).join(", ")})` : "");
}
