// The network engine's records: one JSON file per network under GANTRY_ROOT/networks/<id>.json (its IPAM state and
// its endpoints), written to a temp file then renamed, and the in-memory map the engine works on. Lookups by name, id
// or id prefix follow Docker's order; a network's public view and `ls`'s filters. Callers hold the engine's mutex
// around changes; this module takes no locks.
import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { badRequest, GantryError } from "../../lib/errors";
import type { Clock } from "../clock";
import { parseSubnet } from "./ipv4";
import { parseSubnet6 } from "./ipv6";
import type { ListFilters, NetworkInfo, NetworkRecord } from "./types";

export class NetworkRecords {
  private readonly map = new Map<string, NetworkRecord>();

  constructor(
    readonly dir: string,
    private readonly clock: Clock,
    private readonly log: (msg: string) => void,
  ) {}

  async load() {
    this.map.clear();
    for (const entry of await readdir(this.dir)) {
      const file = join(this.dir, entry);
      if (entry.endsWith(".tmp")) {
        await unlink(file).catch(() => {});
        continue;
      }
      if (!entry.endsWith(".json")) continue;
      try {
        const rec = JSON.parse(await readFile(file, "utf8")) as NetworkRecord;
        this.map.set(rec.id, rec);
      } catch (e) {
        this.log(`ignoring unreadable network record ${file}: ${(e as Error).message}`);
      }
    }
  }

  async persist(net: NetworkRecord) {
    const file = join(this.dir, `${net.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(net, null, 1) + "\n", { mode: 0o600 });
    await rename(tmp, file);
  }

  /** Drops a network from the map and its file from disk (`missingOk`: a file never written is no error). */
  async forget(id: string, missingOk = false) {
    this.map.delete(id);
    const removal = unlink(join(this.dir, `${id}.json`));
    await (missingOk ? removal.catch(() => {}) : removal);
  }

  newRecord(name: string, driver: NetworkRecord["driver"], extra: Partial<NetworkRecord> = {}): NetworkRecord {
    return {
      id: randomBytes(32).toString("hex"),
      name,
      driver,
      builtin: false,
      userSubnet: false,
      internal: false,
      created: new Date(this.clock.now()).toISOString(),
      labels: {},
      options: {},
      bridge: null,
      subnet: null,
      gateway: null,
      ipam: { allocated: {}, last: null },
      endpoints: {},
      ...extra,
    };
  }

  add(rec: NetworkRecord) {
    this.map.set(rec.id, rec);
  }

  get(id: string): NetworkRecord | undefined {
    return this.map.get(id);
  }

  values(): IterableIterator<NetworkRecord> {
    return this.map.values();
  }

  get size() {
    return this.map.size;
  }

  clear() {
    this.map.clear();
  }

  findByName(name: string) {
    for (const n of this.map.values()) if (n.name === name) return n;
    return undefined;
  }

  /** By exact name, full id, or unambiguous id prefix — Docker's order. */
  lookup(ref: string): NetworkRecord {
    if (typeof ref !== "string" || ref === "") throw badRequest("a network name or id is required");
    const byName = this.findByName(ref);
    if (byName) return byName;
    const exact = this.map.get(ref);
    if (exact) return exact;
    const matches = [...this.map.values()].filter((n) => n.id.startsWith(ref.toLowerCase()));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) throw badRequest(`network ${ref} is ambiguous (${matches.length} matches found based on ID prefix)`);
    throw new GantryError("not_found", `network ${ref} not found`);
  }
}

/** A network's public view (`docker network inspect`, in Gantry's terms). */
export function networkInfo(n: NetworkRecord): NetworkInfo {
  const prefixLen = n.subnet ? parseSubnet(n.subnet).prefix : null;
  const containers: NetworkInfo["containers"] = {};
  for (const ep of Object.values(n.endpoints)) {
    containers[ep.containerId] = {
      name: ep.containerName, ipv4: ep.ipv4, prefixLen: ep.ipv4 ? prefixLen : null, ipv6: ep.ipv6 ?? null,
      prefixLen6: ep.ipv6 && n.ipv6 ? parseSubnet6(n.ipv6.subnet).prefix : null, mac: ep.mac, aliases: [...ep.aliases],
    };
  }
  return {
    id: n.id,
    name: n.name,
    driver: n.driver,
    builtin: n.builtin,
    scope: "local",
    internal: n.internal,
    created: n.created,
    labels: { ...n.labels },
    options: { ...n.options },
    bridge: n.bridge,
    subnet: n.subnet,
    gateway: n.gateway,
    ipRange: n.ipRange ?? null,
    auxAddresses: { ...(n.auxAddresses ?? {}) },
    enableIPv6: Boolean(n.enableIPv6),
    subnet6: n.ipv6?.subnet ?? null,
    gateway6: n.ipv6?.gateway ?? null,
    containers,
  };
}

/** `docker network ls`'s filters. */
export function matchesListFilters(n: NetworkRecord, filters: ListFilters): boolean {
  if (filters.name?.length && !filters.name.some((f) => n.name.includes(f))) return false;
  if (filters.id?.length && !filters.id.some((f) => n.id.startsWith(f))) return false;
  if (filters.driver?.length && !filters.driver.includes(n.driver)) return false;
  if (filters.type?.length && !filters.type.includes(n.builtin ? "builtin" : "custom")) return false;
  if (filters.label?.length) {
    for (const l of filters.label) {
      const eq = l.indexOf("=");
      const [k, v] = eq < 0 ? [l, undefined] : [l.slice(0, eq), l.slice(eq + 1)];
      if (!(k in n.labels) || (v !== undefined && n.labels[k] !== v)) return false;
    }
  }
  return true;
}
