// USER and --chown name lookup in the image's own /etc/passwd and /etc/group, as the container would resolve them.
import { readFileInRoot } from "./path";

export interface Identity {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The passwd entry's home directory ("/" when the user has none there). */
  home: string;
}

export class UserLookupError extends Error {}

function readTable(root: string, file: string): string[][] {
  try {
    // Read inside the root by the kernel: a running container's (docker exec -u) may be changing under us.
    return readFileInRoot(root, file)
      .toString("utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

/** "user", "uid", "user:group", "uid:gid" → ids; names must exist in the root's passwd/group files. */
export function lookupUser(root: string, spec: string, opts: { supplementary?: boolean } = {}): Identity {
  const [userPart, groupPart] = spec.split(":", 2) as [string, string | undefined];
  const passwd = readTable(root, "/etc/passwd");
  const groups = readTable(root, "/etc/group");
  let uid: number;
  let gid = 0;
  let name: string | null = null;
  let home = "/";
  if (/^[0-9]+$/.test(userPart)) {
    uid = Number(userPart);
    const row = passwd.find((r) => r[2] === userPart);
    if (row) {
      gid = Number(row[3]) || 0;
      name = row[0];
      home = row[5] || "/";
    }
  } else {
    const row = passwd.find((r) => r[0] === userPart);
    if (!row) throw new UserLookupError(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = Number(row[2]);
    gid = Number(row[3]);
    name = row[0];
    home = row[5] || "/";
  }
  if (groupPart !== undefined && groupPart !== "") {
    if (/^[0-9]+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const row = groups.find((r) => r[0] === groupPart);
      if (!row) throw new UserLookupError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = Number(row[2]);
    }
  }
  const additionalGids =
    opts.supplementary && name ? groups.filter((r) => (r[3] ?? "").split(",").includes(name!)).map((r) => Number(r[2])).filter((g) => g !== gid) : [];
  return { uid, gid, additionalGids, home };
}

/** A group of the root's /etc/group by name, or a numeric gid as it is; null for a name the file does not have. */
export function lookupGroup(root: string, spec: string): number | null {
  if (/^[0-9]+$/.test(spec)) return Number(spec);
  const row = readTable(root, "/etc/group").find((r) => r[0] === spec);
  return row ? Number(row[2]) : null;
}
