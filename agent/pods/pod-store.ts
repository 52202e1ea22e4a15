// The desired pods this host was last given, kept on disk (GANTRY_ROOT/pods/<uid>/pod.json, written aside then renamed)
// so that a restarted agent goes on running them before — or without — the control plane: with the secret volumes'
// data taken out (their tmpfs keeps the files), the time the pod started here, and its last status (readiness survives
// the restart).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AgentPod, PodStatus } from "../../lib/protocol/pods";
import { ELIDED } from "./volumes";

export interface StoredPod {
  pod: AgentPod;
  startTime?: string;
  status?: PodStatus | null;
}

function writeJson(path: string, value: unknown) {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, path);
}

/** The pod without secret data. */
export function withoutSecrets(pod: AgentPod): AgentPod {
  return {
    ...pod,
    volumes: pod.volumes.map((v) => (v.secret ? { ...v, secret: { files: v.secret.files.map((f) => ({ ...f, data: ELIDED })) } } : v)),
  };
}

export class PodStore {
  constructor(readonly dir: string) {}

  save(pod: AgentPod, startTime: string): void {
    mkdirSync(join(this.dir, pod.uid), { recursive: true, mode: 0o700 });
    writeJson(join(this.dir, pod.uid, "pod.json"), { pod: withoutSecrets(pod), startTime });
  }

  saveStatus(uid: string, status: PodStatus): void {
    if (!existsSync(join(this.dir, uid))) return;
    writeJson(join(this.dir, uid, "status.json"), status);
  }

  load(log: (msg: string) => void): StoredPod[] {
    if (!existsSync(this.dir)) return [];
    const out: StoredPod[] = [];
    for (const uid of readdirSync(this.dir)) {
      const file = join(this.dir, uid, "pod.json");
      if (!existsSync(file)) continue;
      try {
        const raw = JSON.parse(readFileSync(file, "utf8")) as { pod: unknown; startTime?: string };
        const pod = AgentPod.parse(raw.pod);
        let status: PodStatus | null = null;
        try {
          status = PodStatus.parse(JSON.parse(readFileSync(join(this.dir, uid, "status.json"), "utf8")));
        } catch {
          /* none yet */
        }
        out.push({ pod, startTime: raw.startTime, status });
      } catch (e) {
        log(`pod ${uid}: unreadable record (${(e as Error).message}); left until the control plane's next sync`);
      }
    }
    return out;
  }

  /** Every uid with a directory here (a pod's record or its volumes). */
  uids(): string[] {
    return existsSync(this.dir) ? readdirSync(this.dir) : [];
  }
}
