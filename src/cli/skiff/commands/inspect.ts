// skiff inspect (and container inspect), as docker 28's: each name is looked up as a container
// (GET /containers/{name}/json?size=), then as an image (GET /images/{name}/json), unless --type
// says which; what was found is printed as one JSON array (4-space indent), or each through
// --format; a name found as neither is "No such object" and the status is 1, after the array.
import { writeOut } from "../../../common/stdio.ts";
import { invalid, isSkiffError, notFound } from "../../../common/errors.ts";
import { ContainerClient } from "../../../api/client-containers.ts";
import { str, type CommandContext } from "../command.ts";
import { compileFormat } from "../template.ts";
import { goShaped, IMAGE_INSPECT } from "../render.ts";
import { reportError } from "../report-error.ts";

const TYPES = ["container", "image"];

export async function inspect({ client, flags, args }: CommandContext): Promise<number> {
  const type = str(flags.type) ?? "";
  if (type && !TYPES.includes(type)) throw invalid("cli", "CLI_INSPECT_TYPE", `"${type}" is not a valid value for --type`, `--type ${TYPES.join(" or ")} (skiffd has no other objects yet)`);
  const format = str(flags.format);
  const tpl = format ? compileFormat(format) : undefined;
  const c = new ContainerClient(client);
  const found: unknown[] = [];
  let status = 0;
  const missing = (e: unknown) => isSkiffError(e) && e.kind === "not_found";
  for (const name of args) {
    try {
      if (type !== "image") {
        try {
          found.push(await c.inspect(name, { size: !!flags.size }));
          continue;
        } catch (e) {
          if (!missing(e) || type === "container") throw e;
        }
      }
      try {
        found.push(goShaped(await c.inspectImage(name), IMAGE_INSPECT));
      } catch (e) {
        if (!missing(e) || type === "image") throw e;
        throw notFound("cli", "CLI_NO_SUCH_OBJECT", `No such object: ${name}`, "skiff ps -a lists the containers, skiff images the images");
      }
    } catch (e) {
      status = reportError(e) && 1;
    }
  }
  if (tpl) writeOut(found.map((v) => `${tpl.execute(v)}\n`).join(""));
  else writeOut(`${JSON.stringify(found, null, 4)}\n`);
  return status;
}
