// A CNI plugin's failure as a SkiffError: the plugin, the command, CNI's code and msg (CNI spec
// 1.0.0, "Error"), and a hint. What a plugin prints is outside input: control characters go and
// the text is cut to a sane length before it reaches a message or a log.
import { SkiffError, type ErrorKind } from "../../../common/errors.ts";

export type CniCommand = "ADD" | "DEL" | "CHECK";

/** CNI's well-known error codes (1-99 are the spec's, 100 and up a plugin's own). */
const CNI_CODES: Record<number, string> = {
  1: "incompatible CNI version",
  2: "unsupported field in network configuration",
  3: "container unknown or does not exist",
  4: "invalid necessary environment variables",
  5: "I/O failure",
  6: "failed to decode content",
  7: "invalid network config",
  11: "try again later",
};

export const INSTALL_HINT = "the standard CNI plugins come with Debian's package: apt install containernetworking-plugins";

/** Printable text of at most `max` characters: what a plugin says may be any bytes. */
export function cleanText(s: string, max = 2000): string {
  const t = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?").trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

export interface CniErrorInfo {
  plugin: string;
  path?: string;
  command: CniCommand;
  /** CNI's code, when the plugin printed an error object. */
  cniCode?: number;
  cniMsg?: string;
  cniDetails?: string;
}

function kindOf(cniCode: number | undefined): ErrorKind {
  if (cniCode === 11) return "unavailable";
  if (cniCode === 3) return "not_found";
  return "failed_precondition";
}

function hintFor(info: CniErrorInfo): string {
  const msg = info.cniMsg ?? "";
  if (/iptables|xtables/i.test(msg)) return "the plugin's iptables call failed: check that iptables works here (iptables -t nat -S) and that no other program holds the xtables lock";
  if (info.cniCode === 1) return `${info.plugin} does not speak CNI 1.0.0: ${INSTALL_HINT} (1.0 or later)`;
  return `${info.path ?? info.plugin} reported the error above; run it by hand with CNI_COMMAND=${info.command} to see more`;
}

/** A plugin that ran and failed (an error object, or an exit without one). */
export function cniFailed(info: CniErrorInfo, how: string, code = "ENGINE_CNI_FAILED", hint?: string): SkiffError {
  return new SkiffError({
    layer: "engine",
    code,
    kind: kindOf(info.cniCode),
    message: `CNI ${info.command} of plugin ${info.plugin}: ${how}`,
    hint: hint ?? hintFor(info),
    details: { ...info, path: info.path },
  });
}

/** "code 999: failed to ... (details)", "code 7 (invalid network config): ...". */
export function describeCniError(code: number, msg: string, details?: string): string {
  const known = CNI_CODES[code];
  return `code ${code}${known ? ` (${known})` : ""}: ${msg}${details ? ` (${details})` : ""}`;
}
