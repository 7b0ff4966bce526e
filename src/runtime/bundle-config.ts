// A bundle's config.json, read, parsed and checked: what create and exec start from. Apart from
// create.ts so that exec (and skiff-oci's exec) does not load create's cgroup configuration.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../common/errno.ts";
import { invalid } from "../common/errors.ts";
import { parseRuntimeConfig, type RuntimeConfig } from "../oci/runtime-config.ts";
import { checkConfigStrings } from "./plan/plan-strings.ts";

export function readBundleConfig(bundle: string): RuntimeConfig {
  const path = join(bundle, "config.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw invalid("runtime", "RUNTIME_BUNDLE_INVALID", `read ${path}: ${errnoOf(e) === "ENOENT" ? "no such file" : (e as Error).message}`, "pass --bundle DIR, a directory with config.json and the rootfs", { path });
  }
  const config = parseRuntimeConfig(text, path);
  checkConfigStrings(config, path);
  return config;
}
