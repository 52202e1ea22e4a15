// Container root filesystems: an overlayfs of an image's unpacked layers (lowerdirs, shared, read-only) under a
// per-container upper/work pair. The engine that runs containers asks for one with `prepare`, passes `rootfs`
// to the runtime as the bundle root, and turns the upper dir into a layer with `diff` for commit.
import type { Readable } from "node:stream";

export interface Snapshot {
  /** The caller's key, usually the container id ([a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}). */
  id: string;
  /** Image id the snapshot was made from ("" for an empty rootfs). */
  imageId: string;
  /** ChainID of the top image layer (null for an image with no layers). */
  chainId: string | null;
  /** The merged mount point: the container's root filesystem. */
  rootfs: string;
  /** Per-container writable layer and overlay's work dir. */
  upper: string;
  work: string;
  /** Unpacked layer directories, top-most first (overlay's lowerdir order). */
  lowerdirs: string[];
  mounted: boolean;
  created: string;
  /** Labels given to prepare (what the agent reconciles on start). */
  labels: Record<string, string>;
}

export interface PrepareOptions {
  /** Mount right away (default true). */
  mount?: boolean;
  /** Labels kept with the snapshot (the agent labels what it creates, to reconcile after a restart). */
  labels?: Record<string, string>;
  /**
   * The image's layers (bottom-most first, as ImageService.getLayers gives them) when the caller has them at hand;
   * `image` is then the image's id and is not looked up again.
   */
  layers?: { chainId: string }[];
}

export interface SnapshotService {
  /** Creates the upper/work dirs for `id` over the image's layers and mounts the overlay at `rootfs`. */
  prepare(id: string, image: string, opts?: PrepareOptions): Promise<Snapshot>;
  get(id: string): Promise<Snapshot | null>;
  list(): Promise<Snapshot[]>;
  /** (Re)mounts an existing snapshot, e.g. after a host reboot; a no-op when mounted. */
  mount(id: string): Promise<Snapshot>;
  /** Unmounts the rootfs (lazily if busy); the upper dir is kept. */
  unmount(id: string): Promise<void>;
  /** Unmounts and deletes the snapshot and its upper dir; releases its hold on the image's layers. */
  remove(id: string): Promise<void>;
  /**
   * The container's changes as an uncompressed layer tar: files from the upper dir, deletions as `.wh.<name>`,
   * opaque directories as `.wh..wh..opq`. Feed it to ImageService.importLayer for commit.
   */
  diff(id: string): Readable;
}
