// What the container engine needs of the image store (the ImageStore provides it): an image's
// config, its layers as a rootfs mount over a container's writable layer, and its files.
import type { CommitRequest, FileReader } from "../images/index.ts";
import type { ContainerDefaults } from "../../oci/image/image-config.ts";
import type { OverlayMount } from "../snapshots/index.ts";

/** What the container service needs of the image store. */
export interface ContainerImages {
  /** Set by the container service: which containers use an image (the store keeps such images). */
  usedBy?: (imageId: string) => { id: string; running: boolean }[];
  containerDefaults(nameOrId: string): { id: string; config: ContainerDefaults };
  /** The rootfs over a new writable layer keyed by the container's id. */
  mountsFor(imageId: string, containerKey: string): OverlayMount;
  removeContainerLayer(key: string): void;
  fileReader(imageId: string): FileReader;
  /** The image's layer dirs, topmost first (a new volume's copy-up reads the image from them). */
  layerDirs?(imageId: string): string[];
  /** A container's upper and work dirs (made when missing) and its image's layer dirs, topmost first (cp, diff, export, commit). */
  containerLayer(imageId: string, key: string): { upper: string; work: string; lowers: string[] };
  /** A new image from a container's layer (commit); its id. */
  commit(req: CommitRequest): Promise<string>;
}
