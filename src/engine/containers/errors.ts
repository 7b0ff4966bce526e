// The container engine's errors, in docker's words where docker clients match on them.
import { SkiffError, type ErrorDetails } from "../../common/errors.ts";

export const notFound = (code: string, message: string, hint?: string, details?: ErrorDetails) => new SkiffError({ layer: "engine", code, kind: "not_found", message, hint, details });
export const conflict = (code: string, message: string, hint?: string, details?: ErrorDetails) => new SkiffError({ layer: "engine", code, kind: "conflict", message, hint, details });
export const invalidArg = (code: string, message: string, hint?: string, details?: ErrorDetails) => new SkiffError({ layer: "engine", code, kind: "invalid_argument", message, hint, details });
