#!/usr/bin/env node
// Brings a fresh Debian/Ubuntu clone to a runnable state, then does what was asked:
//   --test   install + build everything the suite needs
//   --build  install + build (native engine, Prisma client, Next.js)
//   --start  install + build, then start the control plane and a local agent joined as host 1
// --build and --start also put `gantry` and `gantry-agent` on PATH (wrappers in /usr/local/bin, or GANTRY_BIN_DIR).
// Plain Node, no dependencies: it runs before node_modules exists. Each step is skipped when up to date.
import { spawnSync, spawn } from "node:child_process";
import { existsSync, statSync, readdirSync, mkdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { AptError, aptInstall, lockTimeoutFrom, missingPackages, withoutServiceStarts } from "./apt.mjs";
import { installCommands } from "./commands.mjs";
import { ensureLegacyKubectl } from "./legacy-kubectl.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const mode = process.argv[2] ?? "--build";

// Debian packages the engine, the tests and the benchmarks use. Peers (runc, registry, sshd, chromium) are
// real programs the suite compares against or drives; nothing here is downloaded from anywhere but apt.
const APT_PACKAGES = [
  "build-essential", "pkg-config", "libseccomp-dev", "libcap-dev",
  "iproute2", "iptables", "procps", "util-linux",
  "runc", "busybox-static",
  "chromium",
  "docker-compose", // validates docker-compose.yml (the compose v2 plugin is not packaged in Debian 12)
  "docker-registry", "skopeo", "apache2-utils", "openssl", // image tests: a real registry, an independent client, htpasswd, token certs
  "zstd", "attr", // image layers: zstd decompression, xattrs (setfattr/getfattr) for overlay whiteouts and opaque dirs
  "isal", // igzip: inflates large gzip layers in a third of zlib's time (the agent falls back to zlib without it)
  "conntrack", // the service proxy flushes a removed UDP endpoint's flows (kube-proxy does the same); they age out without it
];

// Only for --test: the SSH tests start their own sshd (in namespaces of their own, test/support/sshd.ts) and a
// non-root account goes through sudo there. A user's machine gets no sshd from `npm run up`, and installing it here
// does not start the machine's own (see withoutServiceStarts). Prometheus scrapes the control plane's /metrics in the
// metrics tests (and promtool checks the exposition), as a user's own Prometheus would.
const TEST_APT_PACKAGES = ["openssh-server", "sudo", "prometheus"];

function log(msg) {
  process.stderr.write(`[gantry setup] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, ...opts });
  if (r.status !== 0) {
    log(`${cmd} ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) {
        if (e === "node_modules" || e === "build" || e === ".next" || e === "generated") continue;
        walk(join(p, e));
      }
    } else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const p of paths) walk(join(root, p));
  return newest;
}

function mtime(p) {
  const abs = join(root, p);
  return existsSync(abs) ? statSync(abs).mtimeMs : 0;
}

/** The Node this runs on satisfies package.json's engines (every dependency's too: see README). */
function checkNode() {
  const wanted = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).engines?.node ?? "";
  const min = /^>=\s*(\d+)\.(\d+)/.exec(wanted);
  if (!min) return;
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > Number(min[1]) || (major === Number(min[1]) && minor >= Number(min[2]))) return;
  log(`Gantry needs Node.js ${wanted} (this is ${process.versions.node}): install a newer Node.js, then run this again`);
  process.exit(1);
}

async function ensureApt() {
  const missing = missingPackages(mode === "--test" ? [...APT_PACKAGES, ...TEST_APT_PACKAGES] : APT_PACKAGES);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    log(`missing Debian packages: ${missing.join(" ")} — run as root (or install them) and retry`);
    process.exit(1);
  }
  log(`installing Debian packages: ${missing.join(" ")}`);
  try {
    await withoutServiceStarts(() => aptInstall(missing, { timeoutS: lockTimeoutFrom(), log, cwd: root }));
  } catch (e) {
    if (!(e instanceof AptError)) throw e;
    log(e.message);
    process.exit(1);
  }
}

/** `gantry` and `gantry-agent` on PATH for root (or wherever GANTRY_BIN_DIR says). */
function ensureCommands() {
  const binDir = process.env.GANTRY_BIN_DIR || (process.getuid?.() === 0 ? "/usr/local/bin" : null);
  if (!binDir) {
    log(`not root: gantry and gantry-agent are not put on PATH (run ${join(root, "bin/gantry.mjs")}, or set GANTRY_BIN_DIR)`);
    return;
  }
  installCommands({ root, binDir, log });
}

function ensureNpm() {
  const stamp = "node_modules/.package-lock.json";
  if (mtime(stamp) >= mtime("package.json")) return;
  log("installing npm packages");
  run("npm", ["install", "--no-audit", "--no-fund"]);
}

function ensurePrismaClient() {
  const out = "lib/generated/prisma/client.ts";
  if (!existsSync(join(root, "prisma/schema"))) return;
  if (mtime(out) >= newestMtime(["prisma/schema", "prisma.config.ts"])) return;
  log("generating the Prisma client");
  // `prisma generate` wants a schema-engine binary it would otherwise download; it only needs the path to exist.
  run("npx", ["prisma", "generate"], {
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: join(root, "scripts/no-schema-engine"), CHECKPOINT_DISABLE: "1" },
  });
}

function ensureNative() {
  log("building native/ (make -C native)");
  run("make", ["-s", "-C", "native", `-j${cpuCount()}`]);
}

function cpuCount() {
  try {
    return readFileSync("/proc/cpuinfo", "utf8").split("\n").filter((l) => l.startsWith("processor")).length;
  } catch {
    return 2;
  }
}

function ensureNext() {
  if (!existsSync(join(root, "app"))) return;
  const built = mtime(".next/BUILD_ID");
  if (built && built >= newestMtime(["app", "lib", "components", "next.config.ts", "package.json", "postcss.config.mjs"])) return;
  log("building the Next.js app");
  run("npx", ["next", "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
}

checkNode();
await ensureApt();
ensureNpm();
ensurePrismaClient();
ensureNative();
if (mode !== "--test-native") ensureNext();
if (mode === "--test") {
  // kubectl 1.20 (SPDY exec and port-forward) for the tests, unpacked under .cache — not installed over kubectl 1.32.
  const k = ensureLegacyKubectl({ root, log });
  if (k.error) log(`kubectl 1.20 is not available, its tests will be skipped: ${k.error}`);
}
if (mode === "--build" || mode === "--start") ensureCommands();

if (mode === "--start") {
  mkdirSync(join(root, ".gantry-data"), { recursive: true });
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/up.ts"], { stdio: "inherit", cwd: root });
  const forward = (sig) => child.kill(sig);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("exit", (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
}
