// Errors on the wire as docker sends them: {"message": …} with the status of the error's kind,
// plus skiff's code, layer and hint. The client turns the same body back into a SkiffError.
import { SkiffError, type ErrorKind } from "../common/errors.ts";

const STATUS: Record<ErrorKind, number> = {
  not_found: 404,
  already_exists: 409,
  conflict: 409,
  failed_precondition: 409,
  invalid_argument: 400,
  unavailable: 503,
  internal: 500,
};

export const statusForKind = (kind: ErrorKind): number => STATUS[kind];

export function kindForStatus(status: number): ErrorKind {
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 400) return "invalid_argument";
  if (status === 503) return "unavailable";
  return "internal";
}

export interface WireError {
  message: string;
  code?: string;
  layer?: string;
  hint?: string;
}

export function wireError(e: unknown): { status: number; body: WireError } {
  if (e instanceof SkiffError) {
    const body: WireError = { message: e.message, code: e.code, layer: e.layer };
    if (e.hint) body.hint = e.hint;
    // an error may name a status of its own that its kind does not give (413 for a body over the
    // limit, dockerd's 403 for removing a network that cannot go)
    const own = typeof e.details.httpStatus === "number" ? e.details.httpStatus : undefined;
    return { status: own ?? statusForKind(e.kind), body };
  }
  return { status: 500, body: { message: e instanceof Error ? e.message : String(e), code: "API_INTERNAL", layer: "api" } };
}

/** The error each error response was made from, for the server's log. */
const responseErrors = new WeakMap<Response, unknown>();

/** The error's body again in a header: the answer to a HEAD request has no body, and skiff's
 * client reads the daemon's message from here instead (docker's reads only the status). */
export const ERROR_HEADER = "X-Skiff-Error";

export function errorResponse(e: unknown): Response {
  const { status, body } = wireError(e);
  const res = Response.json(body, { status, headers: { [ERROR_HEADER]: encodeURIComponent(JSON.stringify(body)) } });
  responseErrors.set(res, e);
  return res;
}

/** The error an errorResponse() was made from (a handler may return one rather than throw). */
export const errorOfResponse = (res: Response): unknown => responseErrors.get(res);

export const apiError = (kind: ErrorKind, code: string, message: string, hint?: string) => new SkiffError({ layer: "api", kind, code, message, hint });
