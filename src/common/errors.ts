// The one error class for everything a user can meet. Programmer errors stay plain `Error`.

export type Layer = "cli" | "api" | "engine" | "image" | "runtime" | "kernel";

export type ErrorKind =
  | "not_found"
  | "already_exists"
  | "invalid_argument"
  | "failed_precondition"
  | "conflict"
  | "unavailable"
  | "internal";

export interface ErrorDetails {
  path?: string;
  errno?: string;
  syscall?: string;
  step?: string;
  status?: number;
  [key: string]: unknown;
}

export interface SkiffErrorInit {
  code: string;
  layer: Layer;
  kind: ErrorKind;
  message: string;
  hint?: string;
  cause?: unknown;
  details?: ErrorDetails;
}

export class SkiffError extends Error {
  readonly code: string;
  readonly layer: Layer;
  readonly kind: ErrorKind;
  readonly hint?: string;
  readonly details: ErrorDetails;

  constructor(init: SkiffErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "SkiffError";
    this.code = init.code;
    this.layer = init.layer;
    this.kind = init.kind;
    this.hint = init.hint;
    this.details = init.details ?? {};
  }

  /** One line for a terminal: "runtime: mount proc on /proc: EPERM (RUNTIME_STEP_FAILED)". */
  format(): string {
    const hint = this.hint ? `\nhint: ${this.hint}` : "";
    return `${this.layer}: ${this.message} (${this.code})${hint}`;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, layer: this.layer, kind: this.kind, message: this.message, hint: this.hint, ...this.details };
  }
}

export const isSkiffError = (e: unknown): e is SkiffError => e instanceof SkiffError;


/** Shorthand constructors, one per kind, keep call sites to a line. */
export const invalid = (layer: Layer, code: string, message: string, hint?: string, details?: ErrorDetails) =>
  new SkiffError({ layer, code, kind: "invalid_argument", message, hint, details });
export const notFound = (layer: Layer, code: string, message: string, hint?: string, details?: ErrorDetails) =>
  new SkiffError({ layer, code, kind: "not_found", message, hint, details });
export const precondition = (layer: Layer, code: string, message: string, hint?: string, details?: ErrorDetails) =>
  new SkiffError({ layer, code, kind: "failed_precondition", message, hint, details });
