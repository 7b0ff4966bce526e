// Volume names as dockerd's local driver takes them: two or more of [a-zA-Z0-9_.-], the first
// alphanumeric; so no "/", no "..", nothing that could leave <dataRoot>/volumes as a path. An
// anonymous volume's name is 64 random hex digits.
import { randomBytes } from "node:crypto";
import { invalidArg } from "./errors.ts";

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The name, or dockerd's 400 ("create NAME: …"). */
export function checkVolumeName(name: string, action = "create"): string {
  if (Buffer.byteLength(name) < 2) throw invalidArg("ENGINE_VOLUME_NAME_INVALID", `${action} ${name}: volume name is too short, names should be at least two alphanumeric characters`, "give a name of two or more letters, digits, _ . or -", { volume: name });
  if (!VALID.test(name) || name.length > 255)
    throw invalidArg(
      "ENGINE_VOLUME_NAME_INVALID",
      `${action} ${name}: ${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      "name volumes with letters, digits, _ . and - (a host directory is an absolute path)",
      { volume: name },
    );
  return name;
}

export const anonymousVolumeName = (): string => randomBytes(32).toString("hex");
