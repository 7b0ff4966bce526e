// What the container engine needs of the image store (the ImageStore provides it): an image's
// config, its layers as a rootfs mount over a container's writable layer, and its files.
import type { FileReader } from "../images/index.ts";
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
}
