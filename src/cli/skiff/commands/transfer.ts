// skiff pull and push: the daemon's JSON stream shown as docker shows it (live per-layer lines in
// a terminal, plain lines otherwise), with credentials from the docker config for the registry.
import { isatty } from "../termios.ts";
import { writeErr, writeOut } from "../../../common/stdio.ts";
import { isSkiffError } from "../../../common/errors.ts";
import { refused } from "../report-error.ts";
import { parseReference, repositoryOf } from "../../../oci/image/reference.ts";
import type { RegistryAuth } from "../../../api/client.ts";
import { displayJsonMessages } from "../progress-display.ts";
import { DockerConfig } from "../docker-config.ts";
import { str, type CommandContext } from "../command.ts";

/** docker's familiar → full name: "busybox" → "docker.io/library/busybox"; a first component with a
 * ".", a ":" or a capital, or "localhost", is a registry host ("UPPER/case" stays as it is), as in
 * distribution/reference's splitDockerDomain. */
export function fullName(name: string): string {
  return repositoryOf(parseReference(name, { defaultTag: false }));
}

/** The docker config's credentials (its credential helper's, else its `auths` entry) for the
 * registry of `name` (its host as docker splits it), sent with the request: the daemon uses no other. */
export function credentialsFor(name: string, config?: DockerConfig): RegistryAuth | undefined {
  const domain = parseReference(name, { defaultTag: false }).domain;
  if (config) return config.lookup(domain);
  try {
    config = DockerConfig.load();
  } catch (e) {
    // as docker: a broken config.json is a warning for pull and push, which may need no login
    if (!isSkiffError(e) || e.code !== "CLI_DOCKER_CONFIG_INVALID") throw e;
    writeErr(`WARNING: ${e.message}; going on without its credentials\n`);
    return undefined;
  }
  return config.lookup(domain);
}

/** "busybox" → ["busybox", "latest"]; "a@sha256:…" → ["a", "sha256:…"]; "h:5000/a:1" → ["h:5000/a", "1"].
 * A malformed reference fails here, with its reason (empty, a bad tag, capitals…). */
export function splitPullReference(ref: string): [string, string] {
  parseReference(ref);
  const at = ref.indexOf("@");
  if (at >= 0) return [ref.slice(0, at), ref.slice(at + 1)];
  const colon = ref.lastIndexOf(":");
  return colon > ref.lastIndexOf("/") ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, "latest"];
}

const display = () => {
  const tty = isatty(1);
  return { isTerminal: tty, width: Number(process.env.COLUMNS) || 200, write: writeOut };
};

/** As docker's CLI: a name without a tag pulls "latest" and says so; with -a, every tag of the
 * repository (the daemon lists them: an empty tag asks for all), and the repository is printed. */
export async function pull({ client, flags, args }: CommandContext): Promise<number> {
  const [name, tag] = splitPullReference(args[0]!);
  const explicitTag = args[0]!.length > name.length;
  const all = !!flags["all-tags"];
  if (all && explicitTag) throw refused("CLI_USAGE", "tag can't be used with --all-tags/-a", `pull every tag of the repository: skiff pull -a ${name}`);
  const quiet = !!flags.quiet;
  if (!all && !explicitTag && !quiet) writeOut(`Using default tag: ${tag}\n`);
  const stream = await client.pull(fullName(name), all ? "" : tag, { platform: str(flags.platform), auth: credentialsFor(name) });
  await displayJsonMessages(stream, quiet ? { isTerminal: false, write: () => {} } : display());
  writeOut(all ? `${fullName(name)}\n` : `${fullName(name)}${tag.includes(":") ? "@" : ":"}${tag}\n`);
  return 0;
}

export async function push({ client, flags, args }: CommandContext): Promise<number> {
  const [name, tag] = splitPullReference(args[0]!);
  const explicitTag = args[0]!.length > name.length;
  if (flags["all-tags"] && explicitTag) throw refused("CLI_USAGE", "tag can't be used with --all-tags/-a", `push every tag of the repository: skiff push -a ${name}`);
  // no tag: the daemon pushes every tag of the repository
  const stream = await client.push(name, flags["all-tags"] ? undefined : tag, credentialsFor(name));
  await displayJsonMessages(stream, flags.quiet ? { isTerminal: false, write: () => {} } : display());
  if (flags.quiet) writeOut(`${args[0]}\n`);
  return 0;
}
