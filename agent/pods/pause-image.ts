// The image of a pod's sandbox: one file, native/'s static gantry-pause, as /pause. The agent makes it itself into its
// own image store (tagged gantry.local/pause:<hash of the binary>), never pulling one from the network, so a host with no
// registry in reach still runs pods; a new build of the binary makes a new tag, and an unused old one is the user's to
// prune like any image.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import type { ImageService } from "../images/image-service";
import { hostPlatform } from "../images/image-service";
import { tarEnd, tarHeader, tarPadding } from "../layers/tar";

export const PAUSE_REPOSITORY = "gantry.local/pause";

/** The reference of the sandbox image made from `binary`, made first when this store does not hold it. */
export async function ensurePauseImage(images: ImageService, binary: string): Promise<string> {
  let body: Buffer;
  try {
    body = readFileSync(binary);
  } catch (e) {
    throw new Error(`cannot read the pod sandbox's program ${binary} (build it with \`make -C native\`): ${(e as Error).message}`);
  }
  const ref = `${PAUSE_REPOSITORY}:${createHash("sha256").update(body).digest("hex").slice(0, 16)}`;
  try {
    await images.resolve(ref);
    return ref;
  } catch {
    /* made below */
  }
  const tar = Buffer.concat([tarHeader({ name: "pause", type: "file", mode: 0o755, size: body.length, mtime: 0 }), body, tarPadding(body.length), tarEnd()]);
  const layer = await images.importLayer(Readable.from([tar]), { parentChainId: null, compression: "gzip" });
  const platform = hostPlatform();
  await images.createImage({
    config: {
      architecture: platform.architecture,
      os: "linux",
      created: "1970-01-01T00:00:00Z",
      config: { Entrypoint: ["/pause"], Env: [], Labels: { "gantry.pod.sandbox-image": "true" } },
      history: [{ created: "1970-01-01T00:00:00Z", created_by: "gantry-agent: the pod sandbox's process (native/build/gantry-pause)" }],
    },
    layers: [layer],
    tags: [ref],
  });
  return ref;
}
