// The few filesystem calls Node has no API for, through Debian's tools with argument arrays (never a shell):
// mknod (coreutils) for device nodes and overlay whiteouts, setfattr/getfattr (attr) for extended attributes.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function mknod(path: string, kind: "c" | "b" | "p", mode: number, major = 0, minor = 0): Promise<void> {
  const args = ["-m", (mode & 0o7777).toString(8), path, kind];
  if (kind !== "p") args.push(String(major), String(minor));
  await run("mknod", args);
}

/** Sets one xattr on the path itself (never following a symlink). */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  await run("setfattr", ["-h", "-n", name, "-v", `0x${value.toString("hex")}`, "--", path]);
}

/**
 * Every xattr under `dir` (recursively, symlinks not followed), as path → name → value. One getfattr run for the
 * whole tree: walking file by file would cost a process per file.
 */
export async function readXattrsTree(dir: string): Promise<Map<string, Record<string, Buffer>>> {
  const out = new Map<string, Record<string, Buffer>>();
  let stdout = "";
  try {
    const r = await run("getfattr", ["-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", "--", dir], {
      maxBuffer: 256 * 1024 * 1024,
    });
    stdout = r.stdout;
  } catch (e) {
    const err = e as { stdout?: string; code?: number };
    // getfattr exits 1 when some file could not be read but still prints the rest.
    if (typeof err.stdout !== "string") throw e;
    stdout = err.stdout;
  }
  let current: string | null = null;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("# file: ")) {
      current = unescapeName(line.slice(8));
      continue;
    }
    if (!current || line === "") continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const name = line.slice(0, eq);
    const raw = line.slice(eq + 1);
    const value = raw.startsWith("0x") ? Buffer.from(raw.slice(2), "hex") : Buffer.from(raw.replace(/^"|"$/g, ""), "utf8");
    const rec = out.get(current) ?? {};
    rec[name] = value;
    out.set(current, rec);
  }
  return out;
}

/** getfattr escapes unusual bytes in file names as \ooo octal. */
function unescapeName(s: string): string {
  if (!s.includes("\\")) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (s[i] === "\\" && s[i + 1] === "\\") {
      bytes.push(0x5c);
      i += 1;
    } else bytes.push(...Buffer.from(s[i], "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}
