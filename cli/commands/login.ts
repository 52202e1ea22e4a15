// gantry login <url> --token gat_… — checks the token against the server (GET /api/v1/me) and stores url + token.
import { parseArgs } from "../args";
import { createClient } from "../client";
import { saveConfig } from "../config";
import { usageError } from "../errors";
import { printJson, printLine } from "../output";

export async function login(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ["token"], booleans: ["json"] });
  if (a.positionals.length !== 1) throw usageError("usage: gantry login <url> --token gat_…");
  const token = a.values.token ?? process.env.GANTRY_TOKEN;
  if (!token) {
    const page = `${a.positionals[0]!.replace(/\/+$/, "")}/tokens`;
    throw usageError(`give the API token with --token gat_… (create one on the web UI's "API tokens" page, ${page}, or with POST /api/v1/tokens)`);
  }
  if (!token.startsWith("gat_")) throw usageError("that is not a Gantry API token (they start with gat_)");
  let url: URL;
  try {
    url = new URL(a.positionals[0]!);
  } catch {
    throw usageError(`"${a.positionals[0]}" is not a URL (for example http://gantry.example:3000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw usageError("the server URL must start with http:// or https://");
  const config = { url: url.origin + url.pathname.replace(/\/+$/, ""), token };
  const me = await createClient(config).request<{ user: { email: string; role: string } }>("GET", "/me");
  const path = saveConfig(config);
  if (a.flags.has("json")) printJson({ url: config.url, user: me.user, config: path });
  else printLine(`logged in to ${config.url} as ${me.user.email} (${me.user.role}); saved in ${path}`);
}
