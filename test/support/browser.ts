// A real browser for end-to-end tests: Debian's Chromium driven by playwright-core (no downloaded browser builds).
// playwright-core gives each launch a fresh, empty profile of its own.
import { chromium, type Browser, type Page } from "playwright-core";

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

/**
 * A page in a new browser context signed in with `cookie` (a Cookie header as the tests' sign-in returns it) for the
 * control plane at `url`; uncaught page errors are pushed to `errors` for the test to assert none.
 */
export async function signedInPage(
  browser: Browser,
  url: string,
  cookie: string,
  opts: { errors?: string[]; colorScheme?: "dark" | "light" } = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: opts.colorScheme ?? "light" });
  await context.addCookies(
    cookie.split(/;\s*/).filter(Boolean).map((c) => {
      const eq = c.indexOf("=");
      return { name: c.slice(0, eq), value: c.slice(eq + 1), url };
    }),
  );
  const page = await context.newPage();
  if (opts.errors) page.on("pageerror", (e) => opts.errors!.push(`${page.url()}: ${e.message}`));
  retryNavigationOnNetworkChange(page);
  return page;
}

/**
 * Chromium fails a navigation with net::ERR_NETWORK_CHANGED when any interface of the machine gains or loses an
 * address while it loads — a test's agent making a container's veth, or another test's bridge. That is this machine's
 * churn, not the page's answer: such a navigation is made again (twice at most); any other failure stands.
 */
export function retryNavigationOnNetworkChange(page: Page): void {
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await goto(url, options);
      } catch (e) {
        if (attempt >= 3 || !/net::ERR_NETWORK_CHANGED/.test((e as Error).message)) throw e;
      }
    }
  };
}
