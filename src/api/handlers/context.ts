// What every handler receives: the request, its route parameters and the daemon's services.
import type { ContainerService } from "../../engine/containers/index.ts";
import type { ImageService } from "../../engine/images/index.ts";

export interface DaemonInfo {
  id: string;
  name: string;
  version: string;
  dataRoot: string;
  execRoot: string;
  insecureRegistries: string[];
  /** Where the CNI plugins are looked for first ($CNI_PATH), when set. */
  cniPluginDirs?: readonly string[];
  debug: boolean;
}

export interface HandlerContext {
  req: Request;
  url: URL;
  params: Record<string, string>;
  images: ImageService;
  /** Absent in servers made for image-only tests. */
  containers?: ContainerService;
  daemon: DaemonInfo;
}

