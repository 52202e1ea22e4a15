// Whether an image reference is already on a host, judged from the host's image list: names are compared after
// Docker's normalisation (busybox = docker.io/library/busybox:latest), digests against the repo digests and ids.
import { ImageReference } from "../oci/reference";

export interface HostImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
}

export function imageOnHost(ref: string, images: HostImage[]): boolean {
  const text = ref.trim();
  // An image id ("sha256:<hex>", as an untagged image's row links it) parses as a name too: ids are checked first.
  if (images.some((i) => i.id === text || i.id === `sha256:${text}`)) return true;
  const wanted = ImageReference.tryParse(text);
  if (!wanted) return false;
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
