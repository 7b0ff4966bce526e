// What `volume inspect|rm` and `network inspect|rm` do alike: one request per name given, every
// name tried, each failure reported as it comes and the last one's status returned (docker's CLI).
import { writeOut } from "../../../common/stdio.ts";
import { reportError } from "../report-error.ts";
import { compileFormat } from "../template.ts";

/** `inspect NAME...`: the objects found, as JSON (docker's 4-space indent) or through --format. */
export async function inspectEach<T>(names: readonly string[], get: (name: string) => Promise<T>, format: string | undefined): Promise<number> {
  const tpl = format ? compileFormat(format) : undefined;
  const found: T[] = [];
  let status = 0;
  for (const name of names) {
    try {
      found.push(await get(name));
    } catch (e) {
      status = reportError(e);
    }
  }
  if (tpl) writeOut(found.map((x) => tpl.execute(x) + "\n").join(""));
  else writeOut(JSON.stringify(found, null, 4) + "\n");
  return status;
}

/** `rm NAME...`: each name printed once removed; `forgive(e)` tells a failure that is none (-f's "not there"). */
export async function removeEach(names: readonly string[], remove: (name: string) => Promise<unknown>, forgive: (e: unknown) => boolean = () => false): Promise<number> {
  let status = 0;
  for (const name of names) {
    try {
      await remove(name);
      writeOut(`${name}\n`);
    } catch (e) {
      if (!forgive(e)) status = reportError(e);
    }
  }
  return status;
}
