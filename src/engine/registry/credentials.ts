// What the engine authenticates to a registry with. Credentials come with each request only (the
// client's X-Registry-Auth, POST /auth's body), as with dockerd: the daemon reads no docker
// config.json. Reading and writing config.json, credential helpers included, is the CLI's
// (src/cli/skiff/docker-config.ts).
export { registryHostOf } from "../../oci/image/registry-host.ts";

export interface Credentials {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token, exchanged at the token realm with grant_type=refresh_token. */
  identityToken?: string;
}
