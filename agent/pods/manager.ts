// The agent's pods: the desired set the control plane last sent (pods.sync), one PodWorker per pod, and their statuses
// for the link to push. Reconciles on every sync — a new pod is started, a changed one updated, one no longer in the
// set stopped and removed (and so is any pod container on the host that no pod owns) — and on start: the pods kept on
// disk are taken up again, each adopting the containers its labels name, so healthy containers keep running across an
// agent restart and a host cut off from the control plane keeps running its pods.
import { join } from "node:path";
import { PodsSync, type AgentPod, type PodStatus, type PodStatusMessage } from "../../lib/protocol/pods";
import { describeZodError, type Ack } from "../../lib/protocol";
import { systemClock, type Clock } from "../clock";
import type { ExecService } from "../containers/exec";
import type { ContainerService } from "../containers/service";
import type { EventBus } from "../events";
import type { ImageService } from "../images/image-service";
import { BackOff, BACKOFF_INITIAL_MS } from "./backoff";
import { execRunner } from "./exec-runner";
import { hostAddress } from "./host-address";
import { LABEL_POD_UID, podContainerOf } from "./names";
import { ensurePauseImage } from "./pause-image";
import { PodStore } from "./pod-store";
import { PodWorker, type PodWorkerDeps } from "./pod-worker";
import { PodVolumes } from "./volumes";
import type { PodNetworkView } from "../network/overlay";

export interface PodManagerOptions {
  root: string;
  containers: ContainerService;
  images: ImageService;
  execs: ExecService;
  events: EventBus;
  /** native/build/gantry-pause: the sandbox's program. */
  pauseBinary: string;
  /** This host's bind rules for hostPath volumes: the real path, or throws why not. */
  checkHostPath(path: string, field: string): string;
  /** This host's rules for pulls the control plane asks for. */
  checkPull(ref: string): Promise<void>;
  log(msg: string): void;
  clock?: Clock;
  /** The first restart back-off (default 10 s; GANTRY_RESTART_DELAY_MS). */
  backoffInitialMs?: number;
  hostIP?: () => string;
  /** This host's pod network once it is set up (agent/network/overlay.ts); pods wait for it. */
  podNetwork(): PodNetworkView | null;
}

export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  private readonly removing = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(m: PodStatusMessage) => void>();
  private readonly store: PodStore;
  private readonly volumes: PodVolumes;
  private readonly deps: Omit<PodWorkerDeps, "onStatus">;
  private unsubscribe: (() => void) | null = null;
  private pauseRef: Promise<string> | null = null;
  private hostIPCache: { ip: string; at: number } | null = null;

  constructor(private readonly opts: PodManagerOptions) {
    const dir = join(opts.root, "pods");
    const clock = opts.clock ?? systemClock;
    const initial = opts.backoffInitialMs ?? (Number(process.env.GANTRY_RESTART_DELAY_MS) || BACKOFF_INITIAL_MS);
    this.store = new PodStore(dir);
    this.volumes = new PodVolumes({ dir, checkHostPath: opts.checkHostPath, log: opts.log });
    this.deps = {
      containers: opts.containers,
      images: opts.images,
      exec: execRunner(opts.execs),
      volumes: this.volumes,
      pauseImage: () => (this.pauseRef ??= ensurePauseImage(opts.images, opts.pauseBinary).catch((e) => {
        this.pauseRef = null;
        throw e;
      })),
      checkPull: opts.checkPull,
      hostIP: () => this.hostIP(),
      podNetwork: () => opts.podNetwork(),
      clock,
      restarts: new BackOff(clock, initial),
      pulls: new BackOff(clock, initial),
      log: opts.log,
    };
  }

  private hostIP(): string {
    if (this.opts.hostIP) return this.opts.hostIP();
    const now = Date.now();
    if (!this.hostIPCache || now - this.hostIPCache.at > 60_000) this.hostIPCache = { ip: hostAddress(), at: now };
    return this.hostIPCache.ip;
  }

  private worker(pod: AgentPod, restored: { startTime?: string; status?: PodStatus | null } = {}): PodWorker {
    const w: PodWorker = new PodWorker(pod, {
      ...this.deps,
      onStatus: (status) => {
        if (this.workers.get(pod.uid) !== w) return;
        this.store.saveStatus(pod.uid, status);
        for (const l of this.listeners) l({ uid: pod.uid, status });
      },
    }, restored);
    this.workers.set(pod.uid, w);
    return w;
  }

  /** Takes up the pods kept on disk, with the containers they had (call once the container engine has loaded). */
  async start(): Promise<void> {
    const byUid = new Map<string, ReturnType<ContainerService["list"]>>();
    for (const r of this.opts.containers.list()) {
      const p = podContainerOf(r.Config.Labels);
      if (p) byUid.set(p.uid, [...(byUid.get(p.uid) ?? []), r]);
    }
    for (const stored of this.store.load(this.opts.log)) {
      const w = this.worker(stored.pod, stored);
      w.adopt(byUid.get(stored.pod.uid) ?? []);
    }
    if (this.workers.size) this.opts.log(`${this.workers.size} pod(s) taken up from before this start`);
    this.unsubscribe = this.opts.events.subscribe((e) => {
      if (e.Type !== "container") return;
      const uid = e.Actor.Attributes[LABEL_POD_UID];
      if (uid) this.workers.get(uid)?.kick();
    });
    for (const w of this.workers.values()) w.kick();
  }

  /** Every pod syncs now (the pod network came up: the pods waiting for it go on). */
  kickAll(): void {
    for (const w of this.workers.values()) w.kick();
  }

  /** `pods.sync` from the control plane: parsed, then the host is reconciled to it (in the background). */
  sync(raw: unknown): Ack {
    const parsed = PodsSync.safeParse(raw);
    if (!parsed.success) return { ok: false, error: `invalid pods.sync: ${describeZodError(parsed.error)}` };
    this.apply(parsed.data.pods);
    return { ok: true };
  }

  /** Makes the host run exactly `pods`. */
  apply(pods: AgentPod[]): void {
    const wanted = new Set(pods.map((p) => p.uid));
    for (const pod of pods) {
      const w = this.workers.get(pod.uid);
      if (w) {
        if (JSON.stringify(w.pod) === JSON.stringify(pod)) continue;
        this.store.save(pod, w.startTime);
        w.update(pod);
        continue;
      }
      const fresh = this.worker(pod);
      this.store.save(pod, fresh.startTime);
      fresh.kick();
    }
    for (const [uid, w] of this.workers) {
      if (wanted.has(uid)) continue;
      this.workers.delete(uid);
      this.removal(uid, () => w.remove());
    }
    // Pod containers and pod directories no pod owns (a pod deleted while this agent was away).
    const owned = (uid: string) => wanted.has(uid) || this.removing.has(uid);
    for (const r of this.opts.containers.list()) {
      const uid = podContainerOf(r.Config.Labels)?.uid;
      if (uid && !owned(uid)) this.removal(uid, () => this.removeOrphan(uid));
    }
    for (const uid of this.store.uids()) if (!owned(uid)) this.removal(uid, () => this.removeOrphan(uid));
  }

  private removal(uid: string, fn: () => Promise<void>) {
    if (this.removing.has(uid)) return;
    const p = fn()
      .catch((e) => this.opts.log(`removing pod ${uid}: ${(e as Error).message}`))
      .finally(() => this.removing.delete(uid));
    this.removing.set(uid, p);
  }

  private async removeOrphan(uid: string) {
    for (const r of this.opts.containers.list()) {
      if (podContainerOf(r.Config.Labels)?.uid !== uid) continue;
      await this.opts.containers.remove(r.Id, { force: true }).catch((e) => this.opts.log(`removing ${r.Name}: ${(e as Error).message}`));
    }
    await this.volumes.remove(uid);
    this.opts.log(`pod ${uid}: no longer wanted here; its containers and volumes are removed`);
  }

  /** Every pod's current status (sent again after each connection). */
  statuses(): PodStatusMessage[] {
    const out: PodStatusMessage[] = [];
    for (const w of this.workers.values()) {
      const status = w.status();
      if (status) out.push({ uid: w.uid, status });
    }
    return out;
  }

  subscribe(fn: (m: PodStatusMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Removals in progress, settled (for tests and a clean stop). */
  async settled(): Promise<void> {
    await Promise.all(this.removing.values());
  }

  /** Stops the timers and probes; every container keeps running. */
  close(): void {
    this.unsubscribe?.();
    for (const w of this.workers.values()) w.close();
  }
}
