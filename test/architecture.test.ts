// Imports point down the layer table of ARCHITECTURE.md only: cli → api → engine → runtime → oci → common.
import { expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";

const SRC = join(import.meta.dir, "../src");
const MAY_IMPORT: Record<string, string[]> = {
  common: ["common"],
  oci: ["oci", "common"],
  runtime: ["runtime", "oci", "common"],
  engine: ["engine", "runtime", "oci", "common"],
  api: ["api", "engine", "oci", "common"],
  daemon: ["daemon", "api", "engine", "oci", "common"],
  cli: ["cli", "daemon", "api", "runtime", "oci", "common"],
};
/** The three front ends reach down by different paths (ARCHITECTURE.md's CLI row). */
const CLI_MAY_IMPORT: Record<string, string[]> = {
  "cli/skiff": ["cli", "api", "oci", "common"],
  "cli/skiffd": ["cli", "daemon", "common"],
  "cli/oci": ["cli", "runtime", "oci", "common"],
};

test("source files import only their own layer and the layers below it", () => {
  const violations: string[] = [];
  for (const file of readdirSync(SRC, { recursive: true }).map(String).filter((f) => f.endsWith(".ts"))) {
    const layer = file.split("/")[0]!;
    const allowed = CLI_MAY_IMPORT[file.split("/").slice(0, 2).join("/")] ?? MAY_IMPORT[layer];
    if (!allowed) {
      violations.push(`${file}: folder src/${layer} is not a layer`);
      continue;
    }
    const text = readFileSync(join(SRC, file), "utf8");
    // static imports and dynamic import() alike
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)"(\.[^"]+)"/g)) {
      const target = relative(SRC, resolve(dirname(join(SRC, file)), m[1]!)).split("/")[0]!;
      if (!allowed.includes(target)) violations.push(`${file} imports ${m[1]} (layer ${target})`);
    }
  }
  expect(violations).toEqual([]);
});

// The engine's folders (ARCHITECTURE.md's engine row), each with the folders below it that it may
// import. A folder's index.ts is its public surface: the only file of it that another folder
// imports (a test, or a testing/ helper, may also use its testing/ helpers).
const ENGINE_FOLDERS: Record<string, string[]> = {
  metadata: [],
  host: [],
  archive: [],
  content: [],
  snapshots: ["archive", "content"],
  registry: ["content"],
  images: ["metadata", "archive", "content", "snapshots", "registry"],
  events: ["metadata", "images"],
  volumes: ["metadata"],
  networks: ["metadata"],
  containers: ["metadata", "archive", "content", "snapshots", "images", "events", "volumes", "networks"],
};
const isTestSupport = (f: string) => /\.(test|fuzz)\.ts$/.test(f) || f.includes("/testing/");

/** Every relative import of the source files: importing file and imported file, both relative to src/. */
const importsOf = (files: string[]) =>
  files.flatMap((file) =>
    [...readFileSync(join(SRC, file), "utf8").matchAll(/(?:from\s+|import\(\s*)"(\.[^"]+)"/g)].map((m) => ({ file, target: relative(SRC, resolve(dirname(join(SRC, file)), m[1]!)) })),
  );
const engineFolder = (f: string) => (f.startsWith("engine/") && f.split("/")[1]! in ENGINE_FOLDERS ? f.split("/")[1]! : undefined);

test("another folder imports an engine folder through its index.ts only", () => {
  const all = readdirSync(SRC, { recursive: true }).map(String).filter((f) => f.endsWith(".ts"));
  const violations = importsOf(all)
    .filter(({ file, target }) => {
      const folder = engineFolder(target);
      // (a folder is held to this once it has its index.ts)
      if (!folder || engineFolder(file) === folder || !existsSync(join(SRC, "engine", folder, "index.ts"))) return false;
      if (target === `engine/${folder}/index.ts`) return false;
      return !(isTestSupport(file) && target.startsWith(`engine/${folder}/testing/`));
    })
    .map(({ file, target }) => `${file} imports ${target}`);
  expect(violations).toEqual([]);
});

test("engine folders import only the engine folders below them", () => {
  const violations = importsOf(readdirSync(SRC, { recursive: true }).map(String).filter((f) => f.endsWith(".ts") && !isTestSupport(f)))
    .filter(({ file, target }) => {
      const from = engineFolder(file);
      const to = engineFolder(target);
      return from && to && from !== to && !ENGINE_FOLDERS[from]!.includes(to);
    })
    .map(({ file, target }) => `${file} imports ${target}`);
  expect(violations).toEqual([]);
});

const sources = () => readdirSync(SRC, { recursive: true }).map(String).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.includes("/testing/"));

// A URL from outside reaches fetch only through the checked paths: the registry transport's send
// (every hop through nextHop), fetchFollowingHops (import URL), and the API client (a unix socket).
test("fetch is called only where URLs are checked", () => {
  const allowed = new Set(["engine/registry/transport.ts", "common/url-hop.ts", "api/client.ts"]);
  const callers = sources().filter((f) => /(?<![.\w])fetch\(/.test(readFileSync(join(SRC, f), "utf8").replace(/\/\/.*$/gm, "")));
  expect(callers.filter((f) => !allowed.has(f))).toEqual([]);
});

// Handlers read what their endpoint declared and checked, never the raw query or body.
test("API handlers read no query parameter or body the validation layer has not checked", () => {
  const raw = sources()
    .filter((f) => f.startsWith("api/handlers/"))
    .filter((f) => /searchParams|req\.(json|text|arrayBuffer|formData)\(/.test(readFileSync(join(SRC, f), "utf8").replace(/^\s*(\/\/|\*).*$/gm, "")));
  expect(raw).toEqual([]);
});
