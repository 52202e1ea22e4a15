// A real browser for end-to-end tests: Debian's Chromium driven by playwright-core (no downloaded browser builds).
// playwright-core gives each launch a fresh, empty profile of its own.
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** `extraArgs`: more Chromium switches (e.g. --ignore-certificate-errors-spki-list to trust one self-signed key). */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}
