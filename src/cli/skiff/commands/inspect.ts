// skiff inspect (and container inspect), as docker 28's: each name is looked up as a container
// (GET /containers/{name}/json?size=), then as an image (GET /images/{name}/json), then as a network
// (GET /networks/{name}), then as a volume (GET /volumes/{name}), unless --type
// says which; what was found is printed as one JSON array (4-space indent), or each through
// --format; a name found as neither is "No such object" and the status is 1, after the array.
import { writeOut } from "../../../common/stdio.ts";
import { isSkiffError, notFound } from "../../../common/errors.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { VolumeClient } from "../../../api/client-volumes.ts";
import { NetworkClient } from "../../../api/client-networks.ts";
import { str, type CommandContext } from "../command.ts";
import { compileFormat } from "../template.ts";
import { goShaped, IMAGE_INSPECT } from "../render.ts";
import { refused, reportError } from "../report-error.ts";

const TYPES = ["container", "image", "network", "volume"];

export async function inspect({ client, flags, args }: CommandContext): Promise<number> {
  const type = str(flags.type) ?? "";
  if (type && !TYPES.includes(type)) throw refused("CLI_INSPECT_TYPE", `unknown type: ${JSON.stringify(type)}: must be one of ${TYPES.map((t) => JSON.stringify(t)).join(", ")}`, "skiffd has no other objects (docker's swarm types are not served)");
  const format = str(flags.format);
  const tpl = format ? compileFormat(format) : undefined;
  const c = new ContainerClient(client);
  const found: unknown[] = [];
  let status = 0;
  const missing = (e: unknown) => isSkiffError(e) && e.kind === "not_found";
  const volumes = new VolumeClient(client);
  const lookups: [string, (name: string) => Promise<unknown>][] = [
    ["container", (name) => c.inspect(name, { size: !!flags.size })],
    ["image", async (name) => goShaped(await c.inspectImage(name), IMAGE_INSPECT)],
    ["network", (name) => new NetworkClient(client).inspect(name)],
    ["volume", (name) => volumes.inspect(name)],
  ];
  for (const name of args) {
    try {
      let hit = false;
      for (const [kind, look] of lookups) {
        if (type && kind !== type) continue;
        try {
          found.push(await look(name));
          hit = true;
          break;
        } catch (e) {
          if (!missing(e) || type) throw e;
        }
      }
      if (!hit) throw notFound("cli", "CLI_NO_SUCH_OBJECT", `No such object: ${name}`, "skiff ps -a lists the containers, skiff images the images, skiff network ls the networks, skiff volume ls the volumes");
    } catch (e) {
      status = reportError(e) && 1;
    }
  }
  if (tpl) writeOut(found.map((v) => `${tpl.execute(v)}\n`).join(""));
  else writeOut(`${JSON.stringify(found, null, 4)}\n`);
  return status;
}
