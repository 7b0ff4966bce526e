// Bundles a program's source in two parts for scripts/build, which compiles what this writes:
//   bun scripts/bundle.ts OUT ALONE SPLIT...
// ALONE (a source file) and the SPLIT entries are bundled apart, each part split into chunks at
// each import() as `bun build --splitting` does, so that the two share no chunk: ALONE is one
// module with all it imports statically (what it imports with import() is loaded then). An
// import from one part of a file of the other stays an import, of that file's output (.js for
// .ts, at the same path under OUT as the source under src/), done when the program runs.
// Why: a compiled Bun pays for each module it loads (~0.3 ms for skiff-oci's `state`: issue 9).
// Bundled as one program split into chunks, what the quick commands (skiff-oci's short ones,
// skiff's `run -d`) use is spread over the chunks they share with everything else, so they load
// several; apart, they load one, which holds its own copy of the code both parts use.
import type { BunPlugin } from "bun";
import { dirname, resolve } from "node:path";

const [out, alone, ...split] = process.argv.slice(2);
if (!out || !alone || split.length === 0) throw new Error("usage: bun scripts/bundle.ts OUT ALONE SPLIT...");
const root = resolve(import.meta.dir, "../src");
const common = { outdir: out, root, target: "bun", format: "esm", minify: true } as const;

/** Imports of the other part's files stay imports, of their outputs. */
const apart = (others: readonly string[]): BunPlugin => ({
  name: "apart",
  setup(build) {
    const targets = new Set(others.map((f) => resolve(f)));
    build.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) =>
      targets.has(resolve(dirname(args.importer), args.path)) ? { path: args.path.replace(/\.ts$/, ".js"), external: true } : undefined,
    );
  },
});

for (const options of [
  { ...common, entrypoints: [alone], splitting: true, plugins: [apart(split)] },
  { ...common, entrypoints: split, splitting: true, plugins: [apart([alone])] },
]) {
  const result = await Bun.build(options);
  if (!result.success) {
    for (const message of result.logs) console.error(message);
    process.exit(1);
  }
  // A require() of our own module names its chunk by file name, which the compile that follows
  // renames: the program would fail at run time with "Cannot find module './chunk-….js'". (The
  // skiff-oci error of a capability outside the runtime's bounding set did: test/oci-security.)
  for (const output of result.outputs) {
    const required = /import\.meta\.require\("\.{1,2}\/[^"]*"\)/.exec(await output.text());
    if (required) {
      console.error(`bundle: ${output.path} has ${required[0]}: import the module (statically, or with import()), do not require() it`);
      process.exit(1);
    }
  }
}
