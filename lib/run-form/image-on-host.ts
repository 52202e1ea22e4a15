// Whether an image reference is already on a host, judged from the host's image list: names are compared after
// Docker's normalisation (busybox = docker.io/library/busybox:latest), digests against the repo digests and ids.
import { ImageReference } from "../../agent/images/reference";

export interface HostImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
}

export function imageOnHost(ref: string, images: HostImage[]): boolean {
  const wanted = ImageReference.tryParse(ref.trim());
  if (!wanted) return images.some((i) => i.id === ref || i.id === `sha256:${ref}`);
  const name = wanted.toString();
  for (const img of images) {
    if (wanted.digest) {
      if (img.id === wanted.digest) return true;
      for (const d of img.repoDigests) if (ImageReference.tryParse(d)?.name === wanted.name && d.endsWith(`@${wanted.digest}`)) return true;
    } else {
      for (const t of img.repoTags) if (ImageReference.tryParse(t)?.toString() === name) return true;
    }
  }
  return false;
}
