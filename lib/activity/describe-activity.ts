// The activity record in words: "ana@example.com stopped container colors on host web-1". A row written since requests
// note what they did (lib/activity/activity-note.ts) carries its own summary with the names of the time; older rows,
// and those the sockets write (terminal sessions, pulls), are read from their action, method and path, with names
// looked up now (lib/activity/activity-names.ts). Pure: no database here.

/** The verbs a summary may use, with their past tense. */
export const ACTIVITY_VERBS = {
  run: "ran",
  start: "started",
  stop: "stopped",
  restart: "restarted",
  kill: "killed",
  pause: "paused",
  unpause: "unpaused",
  remove: "removed",
  create: "created",
  rename: "renamed",
  recreate: "recreated",
  revoke: "revoked",
  pull: "pulled",
  tag: "tagged",
  connect: "connected",
  disconnect: "disconnected",
  prune: "pruned",
  disable: "disabled",
  enable: "enabled",
  change: "changed",
  open: "opened",
  end: "ended",
  deploy: "deployed",
  preview: "previewed",
  reveal: "revealed",
  drain: "drained",
  cordon: "cordoned",
  uncordon: "uncordoned",
  rotate: "rotated",
  install: "installed",
  confirm: "confirmed",
  cancel: "cancelled",
  "sign in": "signed in",
  type: "typed",
} as const;
export type ActivityVerb = keyof typeof ACTIVITY_VERBS;

/** What one request did: "stop" + "container colors" + "on host web-1". */
export interface ActivitySummary {
  verb: ActivityVerb;
  object: string;
  extra?: string;
}

/** Names known now, for rows that carry ids: hosts by id, containers by `${hostId}/${reference}`, users and API tokens by id. */
export interface ActivityNames {
  hosts: Map<number, string>;
  containers: Map<string, string>;
  users: Map<string, string>;
  tokens: Map<string, string>;
}

export const noNames = (): ActivityNames => ({ hosts: new Map(), containers: new Map(), users: new Map(), tokens: new Map() });

export interface ActivityRowLike {
  action: string;
  target: string | null;
  outcome: string;
  userEmail: string | null;
  tokenId: string | null;
  details: unknown;
}

interface Details {
  method?: string;
  summary?: unknown;
  event?: string;
  cmd?: unknown;
  exitCode?: number;
  error?: string;
  inputBytes?: number;
  inputTruncated?: boolean;
  inputCap?: number;
  ref?: string;
  image?: string;
  fields?: Array<{ path?: string; value?: string }>;
}

/** The whole sentence: who, what, on which names, and how it ended. */
export function describeActivity(row: ActivityRowLike, names: ActivityNames = noNames()): string {
  const who = row.userEmail ?? "someone";
  const token = row.tokenId ? names.tokens.get(row.tokenId) : undefined;
  const via = row.tokenId ? ` (with API token ${token ? `"${token}"` : row.tokenId})` : "";
  return `${who}${via} ${describeAction(row, names)}`;
}

/** The sentence without its subject: "stopped container colors on host web-1", "tried to … — failed (conflict)". */
export function describeAction(row: ActivityRowLike, names: ActivityNames = noNames()): string {
  const d = (row.details ?? {}) as Details;
  const s = isSummary(d.summary) ? d.summary : fallbackSummary(row, d, names);
  const tail = `${s.object}${s.extra ? ` ${s.extra}` : ""}`;
  return row.outcome === "ok" ? `${ACTIVITY_VERBS[s.verb]} ${tail}` : `tried to ${s.verb} ${tail} — failed (${row.outcome})`;
}

function isSummary(v: unknown): v is ActivitySummary {
  const s = v as ActivitySummary | null;
  return !!s && typeof s === "object" && typeof s.object === "string" && typeof s.verb === "string" && s.verb in ACTIVITY_VERBS;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The host a target names, as "host web-1" (or "host 3" when its name is not known). */
function hostPhrase(hostId: number, names: ActivityNames): string {
  const name = names.hosts.get(hostId);
  return name ? `host ${name}` : `host ${hostId}`;
}

/** A container by its name when the inventory knows it, else the reference (a long id cut to 12 characters). */
function containerPhrase(hostId: number, ref: string, names: ActivityNames): string {
  const name = names.containers.get(`${hostId}/${ref}`);
  return `container ${name ?? (/^[0-9a-f]{13,64}$/.test(ref) ? ref.slice(0, 12) : ref)}`;
}

function fallbackSummary(row: ActivityRowLike, d: Details, names: ActivityNames): ActivitySummary {
  const target = row.target ?? "";
  const m = d.method;
  const host = /^hosts\/(\d+)(\/.*)?$/.exec(target);
  if (host) {
    const hostId = Number(host[1]);
    const rest = host[2] ?? "";
    const on = `on ${hostPhrase(hostId, names)}`;
    const c = /^\/containers\/([^/]+)(\/.*)?$/.exec(rest);
    const container = c ? containerPhrase(hostId, safeDecode(c[1]!), names) : null;
    if (row.action === "containers.exec") {
      const cmd = Array.isArray(d.cmd) ? d.cmd.join(" ") : "";
      if (d.event === "end") {
        const code = d.exitCode === undefined ? "" : ` (exit code ${d.exitCode})`;
        const cut = d.inputTruncated ? ` — input cut at ${Math.round((d.inputCap ?? 0) / 1024)} KiB of ${d.inputBytes} bytes` : "";
        return { verb: "end", object: `a terminal session in ${container ?? "a container"}`, extra: `${on}${code}${d.error ? `: ${d.error}` : ""}${cut}` };
      }
      return { verb: "open", object: `a terminal in ${container ?? "a container"}`, extra: `${on}${cmd ? `: ${cmd}` : ""}` };
    }
    if (row.action === "containers.host-access") {
      const fields = (d.fields ?? []).map((f) => `${f.path}=${f.value}`).join(", ");
      return { verb: "run", object: `a container${d.image ? ` from ${d.image}` : ""} with host access`, extra: `${fields ? `(${fields}) ` : ""}${on}` };
    }
    if (d.event === "pull") return { verb: "pull", object: `image ${d.ref ?? ""}`.trim(), extra: on };
    if (rest === "" && m === "PATCH") return { verb: "rename", object: hostPhrase(hostId, names) };
    if ((rest === "" && m === "DELETE") || rest === "/revoke") return { verb: "revoke", object: hostPhrase(hostId, names) };
    if (rest === "/containers" && m === "POST") return { verb: "run", object: "a container", extra: on };
    if (container && c?.[2] === "/actions") return { verb: "change", object: `the state of ${container}`, extra: on };
    if (container && !c?.[2] && m === "DELETE") return { verb: "remove", object: container, extra: on };
    if (rest === "/images/pull") return { verb: "pull", object: "an image", extra: on };
    if (rest === "/images/tag") return { verb: "tag", object: "an image", extra: on };
    if (rest === "/images" && m === "DELETE") return { verb: "remove", object: "an image", extra: on };
    const net = /^\/networks(?:\/([^/]+))?(\/connect|\/disconnect)?$/.exec(rest);
    if (net) {
      const name = net[1] ? `network ${safeDecode(net[1])}` : "a network";
      if (net[2] === "/connect") return { verb: "connect", object: "a container", extra: `to ${name} ${on}` };
      if (net[2] === "/disconnect") return { verb: "disconnect", object: "a container", extra: `from ${name} ${on}` };
      if (m === "POST") return { verb: "create", object: name, extra: on };
      if (m === "DELETE") return { verb: "remove", object: name, extra: on };
    }
    if (rest === "/volumes/prune") return { verb: "prune", object: "unused volumes", extra: on };
    if (rest === "/volumes" && m === "POST") return { verb: "create", object: "a volume", extra: on };
    if (rest === "/volumes" && m === "DELETE") return { verb: "remove", object: "a volume", extra: on };
  }
  const user = /^users\/([^/]+)$/.exec(target);
  if (target === "users" && m === "POST") return { verb: "create", object: "a user" };
  if (user) return { verb: "change", object: `user ${names.users.get(safeDecode(user[1]!)) ?? safeDecode(user[1]!)}` };
  if (target === "me") return { verb: "change", object: "their own account" };
  if (target === "tokens" && m === "POST") return { verb: "create", object: "an API token" };
  const token = /^tokens\/([^/]+)$/.exec(target);
  if (token) {
    const name = names.tokens.get(safeDecode(token[1]!));
    return { verb: "revoke", object: name ? `API token "${name}"` : "an API token" };
  }
  if (target === "join-tokens" && m === "POST") return { verb: "create", object: "a join token" };
  if (/^join-tokens\/[^/]+$/.test(target)) return { verb: "revoke", object: "a join token" };
  return { verb: "change", object: target || "something", extra: `(${row.action}${m ? `, ${m}` : ""})` };
}
