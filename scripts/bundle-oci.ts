// Bundles skiff-oci's source for scripts/build, which compiles what this writes into OUT:
//   OUT/bin.js   the entry: the short commands' plain calls (short.ts) and all they use, in one
//                module, with `import("./main.ts")` left to the program's run (as "./main.js")
//   OUT/main.js  every other call (main.ts), split into chunks at each import() as before
// Why apart: bundled together, the modules both use (the state store, the log, sys.ts, errors)
// become chunks of their own that the entry imports, and each module a compiled Bun loads costs
// a short command ~0.3 ms (issue 9: bench/oci-lifecycle.ts, state 0.8 ms faster with one module
// than with three). So the entry holds its own copy of them; main.ts's chunks hold theirs.
//   bun scripts/bundle-oci.ts OUT
import type { BunPlugin } from "bun";

const out = process.argv[2];
if (!out) throw new Error("usage: bun scripts/bundle-oci.ts OUT");
const src = `${import.meta.dir}/../src/cli/oci`;
const common = { outdir: out, target: "bun", format: "esm", minify: true } as const;

/** bin.ts's import of main.ts stays an import, of main.js beside it. */
const mainApart: BunPlugin = {
  name: "main-apart",
  setup(build) {
    build.onResolve({ filter: /^\.\/main\.ts$/ }, (args) => (args.importer.endsWith("/oci/bin.ts") ? { path: "./main.js", external: true } : undefined));
  },
};

for (const options of [
  { ...common, entrypoints: [`${src}/bin.ts`], plugins: [mainApart] },
  { ...common, entrypoints: [`${src}/main.ts`], splitting: true },
]) {
  const result = await Bun.build(options);
  if (!result.success) {
    for (const message of result.logs) console.error(message);
    process.exit(1);
  }
}
