// The API version skiffd serves and the oldest it accepts, apart from the route table (routes.ts
// re-exports them): the CLI's client needs the numbers, not the table (loading it cost every
// command its evaluation).

/** The API skiffd serves (docker 20.10's) and the oldest it accepts: docker 25+'s minimum, as the
 * shapes of older versions are not served. /version, /_ping and the refusal of other versions
 * all say these numbers. */
export const API_VERSION = "1.41";
export const MIN_API_VERSION = "1.24";
