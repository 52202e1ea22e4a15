// Debian's sshd for tests: each server runs in its own network namespace (a veth to a test bridge, or — `behind` a jump
// host — a veth to that jump host's namespace only, so nothing else can reach it) and its own mount namespace, where
// /etc and /var/lib are overlays whose changes live on a tmpfs, and /opt, /run, /home, /var/lib/gantry are tmpfs. The
// accounts, the sudoers file and anything installed over SSH land there and vanish with the namespace; this machine's
// /etc/passwd, /etc/sudoers.d, /opt… are never written. stop() kills every process of the namespace and removes the
// network and the temp dir (also at process exit).
//
// Accounts: root (key), `gpass` (password; sudo asks it a password), `gsudo` (key or the same password; passwordless
// sudo: a host added over SSH by password), and the
// passphrase-protected key is accepted for root and gsudo too.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestNetwork, type TestNetwork } from "./netns";
import { freeSubnets } from "./docker-cli";

export const SSHD = "/usr/sbin/sshd";

export interface SshdKeys {
  /** OpenSSH private keys (PEM text) accepted for root and gsudo. */
  plain: string;
  /** Encrypted with `passphrase`. */
  encrypted: string;
  passphrase: string;
  /** A key no account accepts. */
  stranger: string;
}

export interface TestSshd {
  /** Where a client connects: the namespace's veth address, port 22. */
  host: string;
  port: number;
  netns: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The host key's public file (for `ssh-keygen -lf`). */
  hostKeyPub: string;
  keys: SshdKeys;
  /** The password of `gpass` and `gsudo`. */
  password: string;
  /** The sshd listener's pid (its per-connection children are the sessions). */
  pid: number;
  /** Runs a program inside the server's mount and network namespaces (as root), e.g. to look at /opt. */
  exec(cmd: string, args: string[]): { code: number; stdout: string; stderr: string };
  /** The pids of the per-connection sshd processes now. */
  sessions(): number[];
  /** SIGKILLs every per-connection sshd process and what runs under it: the clients' connections drop. */
  dropConnections(): number;
  /** Replaces the host key with a fresh one and restarts sshd (a "changed host key"). */
  rotateHostKey(): Promise<void>;
  /** Everything sshd has written to stderr so far. */
  log(): string;
  stop(): void;
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

// Runs as `sh -c SCRIPT sh DIR PASSWORD` in the new mount namespace, then becomes sshd. Its arguments are paths and
// a password this file generated, passed as positional parameters (never spliced into the script).
const NAMESPACE_SETUP = String.raw`
set -eu
d=$1
pw=$2
mount -t tmpfs -o mode=0700 gantry-sshd "$d/priv"
for lower in /etc /var/lib; do
  n=$(echo "$lower" | tr / _)
  mkdir -p "$d/priv/$n.upper" "$d/priv/$n.work"
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$d/priv/$n.upper,workdir=$d/priv/$n.work" "$lower"
done
mkdir -p /etc/gantry /var/lib/gantry
for dir in /opt /run /home /var/lib/gantry /etc/gantry; do mount -t tmpfs -o mode=0755 gantry-sshd "$dir"; done
mkdir -p /run/sshd /run/gantry
chmod 0700 /etc/gantry
for u in gpass gsudo; do useradd -m -s /bin/sh "$u"; done
printf 'gpass:%s\ngsudo:%s\n' "$pw" "$pw" | chpasswd
printf 'gsudo ALL=(ALL:ALL) NOPASSWD: ALL\ngpass ALL=(ALL:ALL) ALL\n' > /etc/sudoers.d/gantry-test
chmod 0440 /etc/sudoers.d/gantry-test
echo "namespace ready"
exec ${SSHD} -D -e -f "$d/sshd_config"
`;

function keygen(file: string, passphrase = "") {
  run("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "gantry-test", "-f", file]);
}

function fingerprintOf(pub: string): string {
  // "256 SHA256:abc… comment (ED25519)"
  return run("ssh-keygen", ["-lf", pub]).split(" ")[1]!;
}

function mountNamespaceOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

function pidsIn(mntns: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    if (mountNamespaceOf(Number(e)) === mntns) out.push(Number(e));
  }
  return out;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface StartSshdOptions {
  /** Reachable only from this server's namespace (a jump host), over a link of its own. */
  behind?: TestSshd & { linkPrefix: string };
}

/** Starts sshd in new namespaces; resolves once it listens. */
export async function startSshd(options: StartSshdOptions = {}): Promise<TestSshd & { linkPrefix: string }> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-sshd-"));
  const undo: (() => void)[] = [() => rmSync(dir, { recursive: true, force: true })];
  let child: ChildProcess | null = null;
  let mntns: string | null = null;
  let stderr = "";
  const killAll = () => {
    const pids = mntns ? pidsIn(mntns) : [];
    for (const pid of pids) safeKill(pid);
    child?.kill("SIGKILL");
    // Wait (bounded) until they are gone, so the listening socket and the namespace are released.
    const deadline = Date.now() + 3000;
    while (pids.some((pid) => alive(pid)) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  };
  const stop = () => {
    killAll();
    for (const u of undo.splice(0).reverse()) {
      try {
        u();
      } catch {
        /* already gone */
      }
    }
    process.off("exit", stop);
  };
  process.on("exit", stop);
  try {
    // The network: a bridge and one namespace, or a namespace linked only to the jump host's.
    let netns: string;
    let host: string;
    let linkPrefix: string;
    if (options.behind) {
      const jump = options.behind;
      const id = randomBytes(3).toString("hex");
      netns = `gsh${id}`;
      const link = Number(jump.linkPrefix.split(".")[2]) + 1;
      linkPrefix = `${jump.linkPrefix.split(".").slice(0, 2).join(".")}.${link}`;
      run("ip", ["netns", "add", netns]);
      undo.push(() => run("ip", ["netns", "del", netns]));
      const outer = `gsj${id}`;
      run("ip", ["-n", jump.netns, "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", netns]);
      run("ip", ["-n", jump.netns, "addr", "add", `${linkPrefix}.1/24`, "dev", outer]);
      run("ip", ["-n", jump.netns, "link", "set", outer, "up"]);
      run("ip", ["-n", netns, "addr", "add", `${linkPrefix}.2/24`, "dev", "eth0"]);
      run("ip", ["-n", netns, "link", "set", "eth0", "up"]);
      run("ip", ["-n", netns, "link", "set", "lo", "up"]);
      host = `${linkPrefix}.2`;
    } else {
      const [subnet] = freeSubnets(1);
      linkPrefix = subnet!.split(".").slice(0, 2).join(".") + ".0";
      const net: TestNetwork = createTestNetwork(linkPrefix, 1);
      undo.push(() => net.destroy());
      netns = net.hosts[0]!.netns;
      host = net.hosts[0]!.address;
    }

    const keysDir = join(dir, "keys");
    chmodSync(dir, 0o711); // sshd reads a user's authorized keys as that user
    mkdirSync(keysDir, { mode: 0o755 });
    mkdirSync(join(dir, "priv"));
    const hostKey = join(dir, "ssh_host_ed25519_key");
    keygen(hostKey);
    const passphrase = randomBytes(12).toString("base64url");
    const password = randomBytes(12).toString("base64url");
    keygen(join(dir, "client_plain"));
    keygen(join(dir, "client_encrypted"), passphrase);
    keygen(join(dir, "client_stranger"));
    const authorized = ["client_plain.pub", "client_encrypted.pub"].map((f) => readFileSync(join(dir, f), "utf8")).join("");
    for (const user of ["root", "gsudo"]) writeFileSync(join(keysDir, user), authorized, { mode: 0o644 });
    writeFileSync(
      join(dir, "sshd_config"),
      [
        `ListenAddress ${host}:22`,
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, "sshd.pid")}`,
        `AuthorizedKeysFile ${keysDir}/%u`,
        "StrictModes no",
        "UsePAM no",
        "UseDNS no",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication yes",
        "KbdInteractiveAuthentication no",
        "AllowTcpForwarding yes",
        "MaxStartups 50",
        "LogLevel VERBOSE",
        "Subsystem sftp internal-sftp",
        "",
      ].join("\n"),
    );

    const start = async () => {
      stderr = "";
      const c = spawn("nsenter", [`--net=/run/netns/${netns}`, "unshare", "--mount", "--propagation", "private", "sh", "-c", NAMESPACE_SETUP, "sh", dir, password], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = c;
      c.stdout!.on("data", (b: Buffer) => (stderr += b.toString()));
      c.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
      const deadline = Date.now() + 10_000;
      while (!/Server listening on/.test(stderr)) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`sshd exited (${c.exitCode ?? c.signalCode}):\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`sshd did not listen within 10 s:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      mntns = mountNamespaceOf(c.pid!);
    };
    await start();

    const server: TestSshd & { linkPrefix: string } = {
      host,
      port: 22,
      netns,
      linkPrefix,
      fingerprint: fingerprintOf(`${hostKey}.pub`),
      hostKeyPub: `${hostKey}.pub`,
      keys: {
        plain: readFileSync(join(dir, "client_plain"), "utf8"),
        encrypted: readFileSync(join(dir, "client_encrypted"), "utf8"),
        passphrase,
        stranger: readFileSync(join(dir, "client_stranger"), "utf8"),
      },
      password,
      get pid() {
        return child!.pid!;
      },
      exec(cmd, args) {
        try {
          const stdout = execFileSync("nsenter", ["--target", String(child!.pid), "--mount", "--net", "--", cmd, ...args], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
          });
          return { code: 0, stdout, stderr: "" };
        } catch (e) {
          const err = e as { status?: number; stdout?: string; stderr?: string };
          return { code: err.status ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
        }
      },
      sessions: () => childrenOf(child!.pid!),
      dropConnections() {
        const victims: number[] = [];
        const walk = (pid: number) => {
          for (const c of childrenOf(pid)) {
            victims.push(c);
            walk(c);
          }
        };
        walk(child!.pid!);
        for (const pid of victims) safeKill(pid);
        return victims.length;
      },
      async rotateHostKey() {
        killAll();
        rmSync(hostKey);
        rmSync(`${hostKey}.pub`);
        keygen(hostKey);
        server.fingerprint = fingerprintOf(`${hostKey}.pub`);
        await start();
      },
      log: () => stderr,
      stop,
    };
    return server;
  } catch (e) {
    stop();
    throw e;
  }
}

function alive(pid: number): boolean {
  try {
    // A zombie still has /proc/PID but no longer holds anything; "Z" in its stat means it is gone for our purpose.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function safeKill(pid: number) {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* gone */
  }
}
