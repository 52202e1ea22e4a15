// The few filesystem calls Node has no API for, through Debian's tools with argument arrays (never a shell):
// mknod (coreutils) for device nodes and overlay whiteouts, setfattr (attr) for extended attributes. (Reading them
// is the addon's: hostSys().xattrs.)
import { runProgram as run } from "../process";

export async function mknod(path: string, kind: "c" | "b" | "p", mode: number, major = 0, minor = 0): Promise<void> {
  const args = ["-m", (mode & 0o7777).toString(8), path, kind];
  if (kind !== "p") args.push(String(major), String(minor));
  await run("mknod", args);
}

/** Sets one xattr on the path itself (never following a symlink). */
export async function setXattr(path: string, name: string, value: Buffer): Promise<void> {
  await run("setfattr", ["-h", "-n", name, "-v", `0x${value.toString("hex")}`, "--", path]);
}
