// docker's container sizes, asked for with size=1 (ps -s, inspect -s) and always in /system/df:
// SizeRw, the bytes of the container's writable layer (a walk of it: only when asked), and
// SizeRootFs, those and its image's.
import type { ContainerRecord } from "../../engine/containers/index.ts";
import type { HandlerContext } from "./context.ts";

export interface ContainerSizes {
  SizeRw: number;
  SizeRootFs: number;
}

/** The sizes of containers of `ctx`: one walk per container asked for; 0 for one removed meanwhile. */
export function containerSizes(ctx: HandlerContext): (r: ContainerRecord) => ContainerSizes {
  const imageSize = new Map(ctx.images.list({ all: true }).map((i) => [i.Id, i.Size]));
  return (r) => {
    let rw = 0;
    try {
      rw = ctx.containers!.sizeRw(r.id);
    } catch {} // (removed meanwhile)
    return { SizeRw: rw, SizeRootFs: rw + (imageSize.get(r.imageId) ?? 0) };
  };
}
