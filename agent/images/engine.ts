// The image engine's composition root: one image service and one snapshot service over one GANTRY_ROOT, wired
// so that images and layers under containers are never removed.
import { GantryImageService, type ImageServiceOptions } from "./image-service";
import { OverlaySnapshotService } from "../snapshots/snapshot-service";

export interface ImageEngine {
  images: GantryImageService;
  snapshots: OverlaySnapshotService;
}

export function createImageEngine(opts: Omit<ImageServiceOptions, "inUse">): ImageEngine {
  let snapshots: OverlaySnapshotService | null = null;
  const images = new GantryImageService({ ...opts, inUse: () => snapshots!.inUse() });
  snapshots = new OverlaySnapshotService(opts.root, images);
  return { images, snapshots };
}
