// GET /skiff/doctor: skiff's own addition under its own path prefix (ARCHITECTURE.md): the host
// checks of skiff doctor as the daemon sees its host (its data root's file system), as JSON:
// { checks: [{ area, name, status: ok|warning|missing, found, breaks?, hint?, needed? }], ok }.
import { checkHost } from "../../engine/host/index.ts";
import { endpoint } from "../endpoint.ts";

export const doctor = endpoint({ query: {} }, (ctx) => Response.json(checkHost({ dataRoot: ctx.daemon.dataRoot, ...(ctx.daemon.cniPluginDirs ? { cniDirs: ctx.daemon.cniPluginDirs } : {}) })));
