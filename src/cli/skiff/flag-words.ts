// The flags of a command whose flags end at its first argument (docker's SetInterspersed(false):
// run, create, exec — what follows the image or container is the command's own), read word by
// word as docker's pflag reads them: "--name value", "--name=value", "-n value", "-nvalue",
// "-n=value", bool letters run together ("-it", "-dit"), a value letter last in a run taking the
// rest of the word or the next word ("-de A=1"), "--" ending the flags. skiff's single-dash long
// names ("-name value") are read too. Words come out as "--long" and "--long=value", so that a
// value that starts with "-" stays a value; a word that is no known flag is left for parseFlags to
// refuse.
import type { FlagSpec } from "../args.ts";

export function splitAtFirstArg(words: readonly string[], specs: readonly FlagSpec[]): { flagWords: string[]; rest: string[] } {
  const long = new Map<string, FlagSpec>();
  const short = new Map<string, FlagSpec>();
  for (const s of specs) for (const n of s.names) (n.length === 1 ? short : long).set(n, s);
  const name = (s: FlagSpec) => s.names.find((n) => n.length > 1) ?? s.names[0]!;
  const flagWords: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--") return { flagWords, rest: words.slice(i + 1) };
    if (!w.startsWith("-") || w === "-") return { flagWords, rest: words.slice(i) };
    const eq = w.indexOf("=");
    const bare = (eq < 0 ? w : w.slice(0, eq)).replace(/^--?/, "");
    // "--name", "--n" (parseFlags takes a letter after two dashes too) and skiff's "-name"
    const spec = w.startsWith("--") ? (long.get(bare) ?? short.get(bare)) : bare.length > 1 ? long.get(bare) : undefined;
    if (spec || w.startsWith("--")) {
      if (!spec || spec.type === "bool" || eq >= 0) flagWords.push(spec ? `--${name(spec)}${eq >= 0 ? w.slice(eq) : ""}` : w);
      else if (i + 1 < words.length) flagWords.push(`--${name(spec)}=${words[++i]}`);
      else flagWords.push(w);
      continue;
    }
    // a run of one-letter flags
    for (let j = 1; j < w.length; j++) {
      const s = short.get(w[j]!);
      if (!s) {
        flagWords.push(j === 1 ? w : `-${w.slice(j)}`);
        break;
      }
      if (s.type === "bool") {
        if (w[j + 1] === "=") {
          flagWords.push(`--${name(s)}${w.slice(j + 1)}`);
          break;
        }
        flagWords.push(`--${name(s)}`);
        continue;
      }
      const attached = w.slice(j + 1).replace(/^=/, "");
      if (j + 1 < w.length) flagWords.push(`--${name(s)}=${attached}`);
      else if (i + 1 < words.length) flagWords.push(`--${name(s)}=${words[++i]}`);
      else flagWords.push(`-${w[j]}`);
      break;
    }
  }
  return { flagWords, rest: [] };
}
