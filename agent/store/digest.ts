// Digests and ChainIDs (OCI image spec: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { isSha256Digest } from "../../lib/oci/reference";
import { ImageError } from "../../lib/oci/errors";

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export function chainIdOf(parentChainId: string | null, diffId: string): string {
  return parentChainId === null ? diffId : sha256(`${parentChainId} ${diffId}`);
}

export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  let parent: string | null = null;
  for (const d of diffIds) {
    parent = chainIdOf(parent, d);
    out.push(parent);
  }
  return out;
}

/** The hex part of a sha256 digest, after checking it is one (paths are built from it). */
export function digestHex(digest: string): string {
  if (!isSha256Digest(digest)) throw new ImageError("unsupported", `"${digest}" is not a sha256 digest`);
  return digest.slice(7);
}

export async function sha256File(path: string): Promise<{ digest: string; size: number }> {
  const h = createHash("sha256");
  let size = 0;
  for await (const c of createReadStream(path)) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { digest: `sha256:${h.digest("hex")}`, size };
}
