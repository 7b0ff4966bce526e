// The volume engine's errors, in dockerd's words where docker clients show them as they are.
import { SkiffError, type ErrorDetails } from "../../common/errors.ts";

const make = (kind: "not_found" | "conflict" | "invalid_argument" | "internal") => (code: string, message: string, hint?: string, details?: ErrorDetails) =>
  new SkiffError({ layer: "engine", code, kind, message, hint, details });

export const notFound = make("not_found");
export const conflict = make("conflict");
export const invalidArg = make("invalid_argument");
export const internal = make("internal");

/** dockerd's 404 for a volume that is not there: "get NAME: no such volume". */
export const noSuchVolume = (name: string) => notFound("ENGINE_VOLUME_NOT_FOUND", `get ${name}: no such volume`, "list volumes with `skiff volume ls`", { volume: name });
