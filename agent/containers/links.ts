// Legacy links (`docker run --link name:alias` on the default bridge): at start the linking container gets the linked
// one's address, ports and environment as variables, and /etc/hosts lines for it, exactly as dockerd writes them:
//
//   DB_PORT=tcp://172.17.0.2:80                      the lowest exposed port (tcp before udp on a tie)
//   DB_PORT_80_TCP=tcp://172.17.0.2:80, _ADDR, _PORT, _PROTO   for every exposed port
//   DB_PORT_8000_TCP_START=…, _END, _PORT_START, _PORT_END, _ADDR, _PROTO   for each run of consecutive ports
//   DB_NAME=/parent/db                               the link's name
//   DB_ENV_FOO=bar                                   the linked container's Env (but HOME and PATH)
//   /etc/hosts: "172.17.0.2  db <hostname> <name>"   (the name only when the alias is not it)
import { conflict } from "../../lib/errors";
import type { ContainerRecord } from "./types";

interface Port {
  port: number;
  proto: string;
}

function sortPorts(ports: Port[]): Port[] {
  return [...ports].sort((a, b) => a.port - b.port || (a.proto === "tcp" ? -1 : b.proto === "tcp" ? 1 : 0));
}

/** The variables of one link: `alias` as the parent calls the child, `name` "/parent/alias". */
export function linkEnv(alias: string, name: string, childIp: string, exposed: string[], childEnv: string[]): string[] {
  const env: string[] = [];
  const prefix = alias.toUpperCase().replace(/-/g, "_");
  const ports = sortPorts(
    exposed.map((k) => {
      const [p, proto] = k.split("/");
      return { port: Number(p), proto: (proto ?? "tcp").toLowerCase() };
    }),
  );
  const P = (p: Port) => `${prefix}_PORT_${p.port}_${p.proto.toUpperCase()}`;
  if (ports.length) env.push(`${prefix}_PORT=${ports[0]!.proto}://${childIp}:${ports[0]!.port}`);
  // Runs of three or more consecutive port numbers also get START/END variables named after their first port.
  const runEnd = (i: number) => {
    let value = ports[i]!.port;
    for (let k = i + 1; k < ports.length; k++, value++) if (ports[k]!.port > value + 1) return k - 1;
    return ports.length - 1;
  };
  for (let i = 0; i < ports.length; ) {
    const j = runEnd(i);
    if (j <= i + 1) {
      i++;
      continue;
    }
    const p = ports[i]!;
    const q = ports[j]!;
    env.push(`${P(p)}_START=${p.proto}://${childIp}:${p.port}`, `${P(p)}_ADDR=${childIp}`, `${P(p)}_PROTO=${p.proto}`, `${P(p)}_PORT_START=${p.port}`);
    const end = `${prefix}_PORT_${p.port}_${q.proto.toUpperCase()}`;
    env.push(`${end}_END=${q.proto}://${childIp}:${q.port}`, `${end}_PORT_END=${q.port}`);
    i = j + 1;
  }
  for (const p of ports) {
    env.push(`${P(p)}=${p.proto}://${childIp}:${p.port}`, `${P(p)}_ADDR=${childIp}`, `${P(p)}_PORT=${p.port}`, `${P(p)}_PROTO=${p.proto}`);
  }
  env.push(`${prefix}_NAME=${name}`);
  for (const e of childEnv) {
    const eq = e.indexOf("=");
    if (eq < 0) continue;
    const key = e.slice(0, eq);
    if (key === "HOME" || key === "PATH") continue;
    env.push(`${prefix}_ENV_${key}=${e.slice(eq + 1)}`);
  }
  return env;
}

/**
 * The variables and /etc/hosts lines of a container's legacy links, from the linked containers as they are now; a
 * linked container that is not running, or not on the default bridge, fails the start with dockerd's message
 * (`lenient`: is left out, for rewriting a running container's /etc/hosts).
 */
export function legacyLinkView(
  rec: ContainerRecord,
  lookup: (id: string) => ContainerRecord | undefined,
  opts: { lenient?: boolean } = {},
): { env: string[]; hosts: { ip: string; names: string[] }[] } {
  const env: string[] = [];
  const hosts: { ip: string; names: string[] }[] = [];
  for (const link of rec.LegacyLinks ?? []) {
    const child = lookup(link.Id);
    if (!child) continue; // removed since: the link went with it
    const as = `${rec.Name}/${link.Alias}`;
    const ip = child.State.Running ? child.Networks.bridge?.IPAddress : undefined;
    if (!ip && opts.lenient) continue;
    if (!child.State.Running) throw conflict(`Cannot link to a non running container: ${child.Name} AS ${as}`);
    if (!ip) throw conflict(`Cannot link to ${child.Name}, as it does not belong to the default network`);
    env.push(...linkEnv(link.Alias, as, ip, Object.keys(child.Config.ExposedPorts ?? {}), child.Config.Env));
    const names = [link.Alias, child.Config.Hostname];
    if (link.Alias !== child.Name.slice(1)) names.push(child.Name.slice(1));
    hosts.push({ ip, names });
  }
  return { env, hosts };
}

/** HostConfig.Links as dockerd shows them: "/child:/parent/alias". */
export function shownLinks(rec: ContainerRecord, lookup: (id: string) => ContainerRecord | undefined): string[] | null {
  const out = (rec.LegacyLinks ?? []).flatMap((l) => {
    const child = lookup(l.Id);
    return child ? [`${child.Name}:${rec.Name}/${l.Alias}`] : [];
  });
  return out.length ? out : null;
}
