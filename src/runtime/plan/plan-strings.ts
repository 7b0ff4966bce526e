// Strings of a config that reach the kernel as C strings (paths, argv, env, hostname, mount data,
// sysctl keys and values, hook programs, id maps ...) end at their first NUL byte there, so a NUL
// inside one would silently cut it. They are checked once, right after config.json is read and
// before anything is created, and a NUL is reported with the field that holds it.
//
// The walk covers the whole config except what never becomes a C string of ours: annotations
// (kept in the state as JSON), linux.resources (written to cgroup files by their own checks) and
// linux.seccomp (compiled to BPF; of its strings only listenerPath becomes a path).
import { invalid } from "../../common/errors.ts";
import type { Process, RuntimeConfig } from "../../oci/runtime-config.ts";

const SKIPPED = new Set(["annotations", "linux.resources", "linux.seccomp"]);

/** Throws RUNTIME_CONFIG_INVALID naming the first string field (or map key) holding a NUL. */
export function checkConfigStrings(config: RuntimeConfig, where = "config.json"): void {
  walk(config, "", where);
  const listener = (config.linux.seccomp as { listenerPath?: unknown } | undefined)?.listenerPath;
  if (typeof listener === "string") checkString(listener, "linux.seccomp.listenerPath", where);
}

/** The same for a process given on its own (`exec --process FILE`). */
export function checkProcessStrings(proc: Process, where = "process.json"): void {
  walk(proc, "process", where);
}

function walk(value: unknown, path: string, where: string): void {
  if (SKIPPED.has(path)) return;
  if (typeof value === "string") return checkString(value, path, where);
  if (Array.isArray(value)) return value.forEach((item, i) => walk(item, `${path}[${i}]`, where));
  if (typeof value !== "object" || value === null) return;
  for (const [key, item] of Object.entries(value)) {
    const field = !path ? key : /^[A-Za-z_]\w*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
    if (key.includes("\0")) fail(`a key of ${path || "the config"}`, key, where);
    walk(item, field, where);
  }
}

function checkString(s: string, field: string, where: string): void {
  if (s.includes("\0")) fail(field, undefined, where);
}

function fail(field: string, key: string | undefined, where: string): never {
  const what = key === undefined ? field : `${field} (${JSON.stringify(key).slice(0, 60)})`;
  throw invalid("runtime", "RUNTIME_CONFIG_INVALID", `read ${where}: ${what} contains a NUL byte`, `remove the NUL (\\u0000) from ${field}: the kernel would end the string there`, { field });
}
