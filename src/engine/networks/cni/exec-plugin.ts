// One CNI plugin run by the calling convention (CNI spec 1.0.0, "Protocol parameters"): the
// command and the container in environment variables, the network configuration as JSON on stdin,
// the result or an error object as JSON on stdout. The plugin gets a bounded time (it is killed
// after it, and the error names it) and a bounded output; its stdout is parsed with the project's
// bounded JSON parser, as any outside input.
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { describeJsonProblem, parseJsonText } from "../../../common/json-text.ts";
import { cleanText, cniFailed, describeCniError, INSTALL_HINT, type CniCommand, type CniErrorInfo } from "./plugin-error.ts";
import { SkiffError } from "../../../common/errors.ts";

export const DEFAULT_PLUGIN_DIRS: readonly string[] = ["/usr/lib/cni", "/opt/cni/bin"];
export const DEFAULT_TIMEOUT_MS = 60_000;
/** A result with a few interfaces is ~1 KiB; an error object smaller. */
const MAX_STDOUT = 1 << 20;
const MAX_STDERR = 16 << 10;
const RESULT_LIMITS = { maxBytes: MAX_STDOUT, maxDepth: 32 };
/** The plugins run iptables, ip and the IPAM plugin: they need the sbin directories on PATH. */
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface PluginCall {
  command: CniCommand;
  /** The plugin's type: a binary of that name in the first of `pluginDirs` that has one. */
  type: string;
  pluginDirs: readonly string[];
  containerId: string;
  /** A path to the network namespace; "" for a DEL whose namespace is gone. */
  netns: string;
  ifName: string;
  /** CNI_ARGS: "K1=V1;K2=V2". */
  args?: string;
  /** The whole stdin document: name, cniVersion, the plugin's keys, runtimeConfig, prevResult. */
  config: Record<string, unknown>;
  timeoutMs?: number;
}

/** The plugin's binary, or a SkiffError naming where it was looked for. */
export function findPlugin(type: string, pluginDirs: readonly string[], command: CniCommand): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) throw new Error(`CNI plugin type ${JSON.stringify(type)} is not a plain file name`);
  for (const dir of pluginDirs) {
    const path = join(dir, type);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  throw new SkiffError({
    layer: "engine", code: "ENGINE_CNI_PLUGIN_NOT_FOUND", kind: "failed_precondition",
    message: `CNI ${command} of plugin ${type}: no executable ${type} in ${pluginDirs.join(", ") || "(no plugin directory)"}`,
    hint: `${join(pluginDirs[0] ?? "/usr/lib/cni", type)} missing: apt install containernetworking-plugins`,
    details: { plugin: type, command, pluginDirs: [...pluginDirs] },
  });
}

interface Collected {
  bytes: Uint8Array;
  overflow: boolean;
}

/** Reads a stream to its end keeping at most `limit` bytes; `onOverflow` once when more come. */
function collect(stream: ReadableStream<Uint8Array>, limit: number, onOverflow?: () => void): { done: Promise<Collected>; cancel: () => void } {
  const reader = stream.getReader();
  const done = (async () => {
    const parts: Uint8Array[] = [];
    let n = 0;
    let overflow = false;
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || !value) break;
      if (n + value.byteLength > limit) {
        if (!overflow) onOverflow?.();
        overflow = true;
        continue; // drained, not kept: a writer blocked on a full pipe would never exit
      }
      parts.push(value);
      n += value.byteLength;
    }
    return { bytes: Buffer.concat(parts), overflow };
  })();
  return { done, cancel: () => void reader.cancel().catch(() => {}) };
}

/**
 * Runs the plugin. ADD's result is returned as parsed JSON (the caller validates its shape); DEL
 * and CHECK print nothing on success and give undefined. A failure throws a SkiffError.
 */
export async function execPlugin(call: PluginCall): Promise<unknown> {
  const path = findPlugin(call.type, call.pluginDirs, call.command);
  const info: CniErrorInfo = { plugin: call.type, path, command: call.command };
  const timeoutMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const env: Record<string, string> = {
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: call.netns,
    CNI_IFNAME: call.ifName,
    CNI_PATH: call.pluginDirs.join(":"),
    PATH: process.env.PATH ? `${process.env.PATH}:${SYSTEM_PATH}` : SYSTEM_PATH,
  };
  if (call.args) env.CNI_ARGS = call.args;
  let proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  try {
    // (stdin through a pipe: given as bytes, Bun makes a memfd for it that the daemon holds until
    // the process object is collected — two fds more in skiffd after 200 run --rm in a row)
    proc = Bun.spawn({ cmd: [path], env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  } catch (e) {
    throw cniFailed(info, `cannot start ${path}: ${(e as Error).message}`, "ENGINE_CNI_FAILED", INSTALL_HINT);
  }
  // a plugin that answers without reading its configuration (and has exited) closes the pipe:
  // EPIPE is no failure of ours, what it printed and its status tell what happened
  try {
    proc.stdin.write(JSON.stringify(call.config));
    void Promise.resolve(proc.stdin.end()).catch(() => undefined);
  } catch {}
  const out = collect(proc.stdout, MAX_STDOUT, () => proc.kill("SIGKILL"));
  const err = collect(proc.stderr, MAX_STDERR);
  let timer: Timer | undefined;
  const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  // The streams too: a plugin's children (iptables) may hold its stdout after it exits.
  const finished = await Promise.race([Promise.all([proc.exited, out.done, err.done]), timedOut]);
  clearTimeout(timer);
  if (finished === "timeout") {
    proc.kill("SIGKILL");
    out.cancel();
    err.cancel();
    await proc.exited;
    throw cniFailed(info, `${path} did not finish within ${timeoutMs / 1000} s and was killed`, "ENGINE_CNI_TIMEOUT",
      "a plugin hangs on the xtables lock (another iptables user), on netlink, or on a network namespace that is going away");
  }
  const [status, stdout, stderr] = finished;
  const stderrText = cleanText(new TextDecoder().decode(stderr.bytes), 500);
  if (stdout.overflow) throw cniFailed(info, `${path} printed more than ${MAX_STDOUT} bytes and was killed`, "ENGINE_CNI_BAD_RESULT");
  const parsed = stdout.bytes.byteLength ? parseJsonText(stdout.bytes, RESULT_LIMITS) : undefined;
  if (status !== 0) {
    const e = parsed?.ok ? errorObject(parsed.value) : undefined;
    if (e) throw cniFailed({ ...info, cniCode: e.code, cniMsg: e.msg, cniDetails: e.details }, describeCniError(e.code, e.msg, e.details));
    const exit = proc.signalCode ? `killed by signal ${proc.signalCode}` : `exited with status ${status}`;
    throw cniFailed(info, `${path} ${exit} without a CNI error object${stderrText ? `: ${stderrText}` : ""}`);
  }
  if (call.command !== "ADD") return undefined; // DEL and CHECK print nothing worth reading on success
  if (!parsed) throw cniFailed(info, `${path} printed no result`, "ENGINE_CNI_BAD_RESULT");
  if (!parsed.ok) throw cniFailed(info, `parse the result of ${path}: ${describeJsonProblem(parsed.problem)}`, "ENGINE_CNI_BAD_RESULT");
  return parsed.value;
}

/** CNI's error object: {code, msg, details} (cniVersion too, not needed). */
function errorObject(v: unknown): { code: number; msg: string; details?: string } | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.code !== "number" || !Number.isInteger(o.code)) return undefined;
  return {
    code: o.code,
    msg: typeof o.msg === "string" ? cleanText(o.msg) : "(no msg)",
    details: typeof o.details === "string" && o.details ? cleanText(o.details) : undefined,
  };
}
