// The names the activity rows on one page refer to by id — hosts, containers (from the inventory: a removed one keeps
// its id), users and API tokens — read in four queries, for lib/activity/describe-activity.ts.
import { db } from "@/lib/db";
import { noNames, type ActivityNames, type ActivityRowLike } from "./describe-activity";

/** What a target holds may be anything a request's path held (a row is written for refused requests too): only
 * something that can be an id or a name is looked up — Postgres refuses a NUL in a query outright. */
const usable = (s: string) => s.length > 0 && s.length <= 256 && !/[\u0000-\u001f\u007f]/.test(s);

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

export async function loadActivityNames(rows: ActivityRowLike[]): Promise<ActivityNames> {
  const names = noNames();
  const hostIds = new Set<number>();
  const containerRefs: Array<{ hostId: number; ref: string }> = [];
  const userIds = new Set<string>();
  const tokenIds = new Set<string>();
  for (const r of rows) {
    const t = r.target ?? "";
    const host = /^hosts\/(\d+)(?:\/containers\/([^/]+))?/.exec(t);
    if (host && Number(host[1]) <= 2 ** 31 - 1) {
      hostIds.add(Number(host[1]));
      if (host[2] && usable(decode(host[2]))) containerRefs.push({ hostId: Number(host[1]), ref: decode(host[2]) });
    }
    const user = /^users\/([^/]+)$/.exec(t);
    if (user && usable(decode(user[1]!))) userIds.add(decode(user[1]!));
    const token = /^tokens\/([^/]+)$/.exec(t);
    if (token && usable(decode(token[1]!))) tokenIds.add(decode(token[1]!));
    if (r.tokenId && usable(r.tokenId)) tokenIds.add(r.tokenId);
  }
  const refs = containerRefs.slice(0, 500);
  const [hosts, containers, users, tokens] = await Promise.all([
    hostIds.size ? db.host.findMany({ where: { id: { in: [...hostIds] } }, select: { id: true, name: true } }) : [],
    refs.length
      ? db.container.findMany({
          where: { OR: refs.map((c) => ({ hostId: c.hostId, OR: [{ containerId: { startsWith: c.ref } }, { name: c.ref }] })) },
          select: { hostId: true, containerId: true, name: true },
        })
      : [],
    userIds.size ? db.user.findMany({ where: { id: { in: [...userIds] } }, select: { id: true, email: true } }) : [],
    tokenIds.size ? db.apiToken.findMany({ where: { id: { in: [...tokenIds] } }, select: { id: true, name: true } }) : [],
  ]);
  for (const h of hosts) names.hosts.set(h.id, h.name);
  for (const { hostId, ref } of refs) {
    const hit = containers.find((c) => c.hostId === hostId && (c.name === ref || c.containerId.startsWith(ref)));
    if (hit) names.containers.set(`${hostId}/${ref}`, hit.name);
  }
  for (const u of users) names.users.set(u.id, u.email);
  for (const t of tokens) names.tokens.set(t.id, t.name);
  return names;
}
