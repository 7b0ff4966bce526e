// Go's sortorder.NaturalLess (which docker's CLI sorts network names and port lines with): runs of
// digits compare as numbers (fewer leading zeros first on a tie), digits before other characters,
// everything else byte by byte (so upper case before lower case, unlike localeCompare).

const isDigit = (c: number) => c >= 48 && c <= 57;

/** True if `a` sorts before `b`. */
export function naturalLess(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const d1 = isDigit(x[i]!);
    const d2 = isDigit(y[j]!);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (x[i] !== y[j]) return x[i]! < y[j]!;
      i++;
      j++;
      continue;
    }
    while (i < x.length && x[i] === 48) i++;
    while (j < y.length && y[j] === 48) j++;
    const n1 = i;
    const n2 = j;
    while (i < x.length && isDigit(x[i]!)) i++;
    while (j < y.length && isDigit(y[j]!)) j++;
    if (i - n1 !== j - n2) return i - n1 < j - n2;
    const c = Buffer.compare(x.subarray(n1, i), y.subarray(n2, j));
    if (c !== 0) return c < 0;
    if (n1 !== n2) return n1 < n2;
  }
  return x.length - i < y.length - j;
}

/** A comparator for Array.prototype.sort in natural order. */
export const naturalCompare = (a: string, b: string): number => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0);
