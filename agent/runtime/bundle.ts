// An OCI bundle on disk: a directory whose config.json is the runtime spec. The containers and the image builder's
// RUN step write theirs here, so the bundle's layout is known in one place.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The spec's path in a bundle. */
export const bundleSpecPath = (bundle: string) => join(bundle, "config.json");

/** Makes the bundle directory and writes its spec. */
export function writeBundle(bundle: string, spec: object): void {
  mkdirSync(bundle, { recursive: true });
  writeFileSync(bundleSpecPath(bundle), JSON.stringify(spec));
}
