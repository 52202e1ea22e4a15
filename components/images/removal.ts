// What the images page says when a removal is refused or done — in the terms of what happened on the host, so the
// advice never contradicts the reason (the agent's refusals are Docker's: in use by a container, tags in several
// repositories, or child images that even force cannot remove).
import { formatBytes } from "@/components/hosts/format";

/** A refused removal (HTTP 409), from the agent's reason. */
export function removalRefused(ref: string, reason: string): string {
  if (/cannot be forced/.test(reason) && /child images/.test(reason)) {
    return `${ref} was not removed: other images are built on it (${reason}). Remove those images first; "Force" does not help here.`;
  }
  if (/multiple repositories/.test(reason)) {
    return `${ref} was not removed: it is tagged in several repositories (${reason}). Remove its tags one by one, or tick "Force" to remove every tag and the image.`;
  }
  if (/being used by .*container|used by a container/.test(reason)) {
    return `${ref} is in use: ${reason}. Remove the containers using it first, or tick "Force" to take its tags off — the image itself stays on the host while a container uses it.`;
  }
  return `${ref} was not removed: ${reason}`;
}

/** A removal that went through: what was untagged and whether the image itself left the host. */
export function removalDone(ref: string, tagsBefore: readonly string[], result: { untagged?: string[]; deleted?: string[] }): string {
  const untagged = result.untagged ?? [];
  if (result.deleted?.length) return `Removed ${ref}`;
  if (untagged.length && untagged.length < tagsBefore.length) return `Removed the tag ${ref}; the image keeps its other tags`;
  if (untagged.length) return `Untagged ${ref}: the image stays on the host while a container uses it (shown with "Show untagged images")`;
  return `Removed ${ref}`;
}

/** An image prune's result in words. */
export function pruneDone(result: { deleted: string[]; spaceReclaimedBytes: number }): string {
  const n = result.deleted.length;
  if (n === 0) return "Nothing to prune: every image is tagged or used by a container";
  return `Pruned ${n} image${n === 1 ? "" : "s"}, ${formatBytes(result.spaceReclaimedBytes)} freed`;
}
