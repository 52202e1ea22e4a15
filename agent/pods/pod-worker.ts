// One pod on this host, kept as its desired spec says, the way the kubelet's pod worker keeps it: one sync at a time,
// run again whenever something changed (a new spec, a container that started or died, a probe's verdict, a back-off
// that ran out) and every few seconds regardless. Each sync makes the pod's volumes, makes sure its sandbox runs, runs
// the init containers one after another to completion, then starts the app containers and restarts them as the
// restartPolicy says, spaced by Kubernetes' back-off; probes judge the running ones. A pod being deleted is stopped
// gracefully (preStop, the stop signal, SIGKILL after the grace period) and then reports a final phase; a pod no longer
// wanted at all is stopped and removed with its volumes.
//
// Everything it needs to remember is on the host itself: its containers, named and labelled by attempt
// (agent/pods/names.ts), and the desired pod the manager keeps on disk. So a restarted agent adopts a pod whose
// containers kept running (adopt()) and goes on from there.
// Why one file of ~690 lines: the sync is one state machine over one pod (sandbox, init containers, app containers,
// termination) whose steps read and write the same attempt bookkeeping; what stands alone lives beside it — the
// container plan (container-config.ts), names and labels (names.ts), probes (probes.ts), status (status.ts), volumes.
import type { AgentContainer, AgentPod, PodStatus } from "../../lib/protocol/pods";
import type { Clock } from "../clock";
import type { ContainerService } from "../containers/service";
import type { ContainerRecord } from "../containers/types";
import type { ImageService } from "../images/image-service";
import type { BackOff } from "./backoff";
import { ContainerConfigError, createPlan } from "./container-config";
import { containerHash, containerName, LABEL_HASH, podContainerOf, SANDBOX_NAME, sandboxLabels, sandboxName } from "./names";
import { ProbeWorker, runAction, type ExecRunner, type ProbeKind } from "./probes";
import { computePodStatus, type AttemptView, type ContainerView } from "./status";
import { VolumeError, type PodVolumes, type PreparedVolume } from "./volumes";
import type { PodNetworkView } from "../network/overlay";

export interface PodWorkerDeps {
  containers: ContainerService;
  images: ImageService;
  exec: ExecRunner;
  volumes: PodVolumes;
  /** The sandbox image's reference (agent/pods/pause-image.ts). */
  pauseImage(): Promise<string>;
  /** Refuses (throws) a pull this host does not allow from the control plane (a loopback registry). */
  checkPull(ref: string): Promise<void>;
  hostIP(): string;
  /** This host's pod network (agent/network/overlay.ts): sandboxes are attached to it; null until it is set up. */
  podNetwork(): PodNetworkView | null;
  clock: Clock;
  restarts: BackOff;
  pulls: BackOff;
  log(msg: string): void;
  /** Hears the pod's status whenever it changed. */
  onStatus(status: PodStatus): void;
}

/** How often a pod is synced with nothing happening (what no event told). */
const RESYNC_MS = 10_000;
/** The least grace a stop gets after a preStop hook (kubelet's minimumGracePeriodInSeconds). */
const MIN_GRACE_SECONDS = 2;

interface Track {
  spec: AgentContainer;
  init: boolean;
  currentId: string | null;
  previousId: string | null;
  /** The attempt of the current container: Kubernetes' restartCount. */
  restartCount: number;
  waiting: { reason: string; message?: string } | null;
  /** A start that failed before the process ran: when it was noticed (it has no finish time of its own). */
  failedAt: number | null;
  pullFailedAt: number | null;
  probes: Map<ProbeKind, ProbeWorker>;
  /** The container the probes belong to. */
  probedId: string | null;
  ready: boolean;
  started: boolean;
  /** Asked to stop it (a failed liveness or startup probe: it restarts as the policy says; a changed spec: it is made again). */
  kill: { reason: string; replace: boolean } | null;
  /** Readiness known from before an agent restart, for the container it names. */
  wasReady: { id: string; ready: boolean } | null;
  /** Starts the liveness and readiness probes (once the startup probe succeeded). */
  afterStartup: (() => void) | null;
}

const ended = (r: ContainerRecord) => !r.State.Running && !r.State.Restarting && (r.HasBeenStarted || !!r.State.Error);

export class PodWorker {
  pod: AgentPod;
  readonly startTime: string;
  private readonly tracks = new Map<string, Track>();
  private sandboxId: string | null = null;
  private sandboxAttempt = 0;
  private volumes: Map<string, PreparedVolume> = new Map();
  private volumeError: string | null = null;
  private removed = false;
  private terminating = false;
  private terminated = false;
  private closed = false;
  private kicked = false;
  private loop: Promise<void> | null = null;
  private wake: unknown = null;
  private wakeAt = 0;
  private lastStatus: PodStatus | null;
  private lastSent = "";
  private readonly key: string;

  constructor(
    pod: AgentPod,
    private readonly deps: PodWorkerDeps,
    restored: { startTime?: string; status?: PodStatus | null } = {},
  ) {
    this.pod = pod;
    this.key = `${pod.uid}/`;
    this.startTime = restored.startTime ?? new Date(deps.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    this.lastStatus = restored.status ?? null;
    this.syncTracks();
  }

  get uid() {
    return this.pod.uid;
  }

  /** The pod is gone from the host (removed from the desired set and cleaned up). */
  get gone() {
    return this.removed && this.loop === null && !this.kicked;
  }

  // ---------------------------------------------------------------- inputs

  /** A new desired spec (the same pod: its uid). */
  update(pod: AgentPod): void {
    this.pod = pod;
    this.syncTracks();
    this.kick();
  }

  /** No longer wanted on this host: stop and remove it. Resolves once done. */
  async remove(): Promise<void> {
    this.removed = true;
    this.kick();
    while (this.loop) await this.loop;
  }

  /** Something may have changed: sync soon (syncs never overlap; a burst makes one more). */
  kick(): void {
    if (this.closed) return;
    this.kicked = true;
    if (!this.loop) this.loop = this.run();
  }

  /** Stops its timers and probes; its containers keep running (the agent is stopping). */
  close(): void {
    this.closed = true;
    if (this.wake !== null) this.deps.clock.clearTimeout(this.wake);
    for (const t of this.tracks.values()) this.stopProbes(t);
  }

  status(): PodStatus | null {
    return this.lastStatus;
  }

  /** Takes the containers a previous run of the agent made for this pod (by their labels). */
  adopt(records: ContainerRecord[]): void {
    const byName = new Map<string, ContainerRecord[]>();
    for (const r of records) {
      const p = podContainerOf(r.Config.Labels);
      if (!p) continue;
      byName.set(p.container, [...(byName.get(p.container) ?? []), r]);
    }
    const attempt = (r: ContainerRecord) => podContainerOf(r.Config.Labels)!.attempt;
    for (const list of byName.values()) list.sort((a, b) => attempt(b) - attempt(a));
    const sandboxes = byName.get(SANDBOX_NAME) ?? [];
    if (sandboxes[0]) {
      this.sandboxId = sandboxes[0].Id;
      this.sandboxAttempt = attempt(sandboxes[0]);
    }
    for (const t of this.tracks.values()) {
      const list = byName.get(t.spec.name) ?? [];
      if (!list[0]) continue;
      t.currentId = list[0].Id;
      t.previousId = list[1]?.Id ?? null;
      t.restartCount = attempt(list[0]);
      const before = [...(this.lastStatus?.initContainerStatuses ?? []), ...(this.lastStatus?.containerStatuses ?? [])].find((s) => s.name === t.spec.name);
      if (before?.containerID === `gantry://${t.currentId}`) t.wasReady = { id: t.currentId, ready: before.ready };
    }
    this.deps.log(`pod ${this.pod.namespace}/${this.pod.name}: adopted ${records.length} container(s)`);
  }

  // ---------------------------------------------------------------- the loop

  private async run(): Promise<void> {
    // Out of the caller's stack first: `loop` is set before anything this sync does can kick again.
    await null;
    while (this.kicked && !this.closed) {
      this.kicked = false;
      try {
        await this.sync();
      } catch (e) {
        this.deps.log(`pod ${this.pod.namespace}/${this.pod.name}: sync failed: ${(e as Error).stack ?? (e as Error).message}`);
      }
      if (!this.removed) this.publish();
    }
    this.loop = null;
    if (!this.closed && !this.removed) this.wakeIn(RESYNC_MS);
  }

  /** Syncs again in `ms` at the latest (an earlier wake already set stands). */
  private wakeIn(ms: number) {
    if (this.closed) return;
    const at = this.deps.clock.now() + Math.max(10, ms);
    if (this.wake !== null && this.wakeAt <= at) return;
    if (this.wake !== null) this.deps.clock.clearTimeout(this.wake);
    this.wakeAt = at;
    this.wake = this.deps.clock.setTimeout(() => {
      this.wake = null;
      this.kick();
    }, Math.max(10, ms));
  }

  private record(id: string | null): ContainerRecord | null {
    if (!id || !this.deps.containers.has(id)) return null;
    return this.deps.containers.get(id);
  }

  /** One track per container of the spec, in order; a container gone from the spec is dropped. */
  private syncTracks() {
    const wanted = [...this.pod.initContainers.map((c) => [c, true] as const), ...this.pod.containers.map((c) => [c, false] as const)];
    const next = new Map<string, Track>();
    for (const [spec, init] of wanted) {
      const had = this.tracks.get(spec.name);
      next.set(
        spec.name,
        had
          ? Object.assign(had, { spec, init })
          : { spec, init, currentId: null, previousId: null, restartCount: 0, waiting: null, failedAt: null, pullFailedAt: null, probes: new Map(), probedId: null, ready: false, started: false, kill: null, wasReady: null, afterStartup: null },
      );
    }
    for (const [name, t] of this.tracks) if (!next.has(name)) this.stopProbes(t);
    this.tracks.clear();
    for (const [k, v] of next) this.tracks.set(k, v);
  }

  private async sync(): Promise<void> {
    if (this.removed) return this.teardown();
    if (this.pod.deletionTimestamp) return this.terminate();
    // Volumes first: nothing runs without them.
    try {
      this.volumes = await this.deps.volumes.prepare(this.pod);
      this.volumeError = null;
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      this.volumeError = e.message;
      for (const t of this.tracks.values()) if (!this.record(t.currentId)?.State.Running) t.waiting = { reason: "ContainerCreating", message: e.message };
      return this.wakeIn(RESYNC_MS);
    }
    const sandbox = await this.ensureSandbox();
    if (!sandbox) return;
    const tracks = [...this.tracks.values()];
    for (const t of tracks.filter((t) => t.init)) {
      const rec = this.record(t.currentId);
      if (rec?.State.Running) return this.syncProbes();
      if (rec && ended(rec) && rec.State.ExitCode === 0) continue;
      if (rec && ended(rec)) {
        if (this.pod.restartPolicy === "Never") {
          t.waiting = null;
          return; // the pod failed: its init container will not run again
        }
        await this.restartOrWait(t, rec);
        return;
      }
      await this.startContainer(t);
      return;
    }
    for (const t of tracks.filter((t) => !t.init)) {
      const rec = this.record(t.currentId);
      if (rec?.State.Running) {
        if (t.kill) await this.killForRestart(t, rec);
        else if (rec.Config.Labels[LABEL_HASH] !== containerHash(t.spec)) {
          t.kill = { reason: "its spec changed", replace: true };
          await this.killForRestart(t, rec);
        }
        continue;
      }
      if (!rec || !ended(rec)) {
        await this.startContainer(t, rec);
        continue;
      }
      if (t.kill?.replace) {
        t.kill = null;
        await this.startContainer(t);
        continue;
      }
      t.kill = null;
      const code = rec.State.ExitCode;
      const again = this.pod.restartPolicy === "Always" || (this.pod.restartPolicy === "OnFailure" && code !== 0);
      if (again) await this.restartOrWait(t, rec);
      else t.waiting = null;
    }
    this.syncProbes();
  }

  // ---------------------------------------------------------------- sandbox

  /** The running sandbox, made (again) when needed; null when it cannot run yet (the reason is on the containers). */
  private async ensureSandbox(): Promise<ContainerRecord | null> {
    const rec = this.record(this.sandboxId);
    if (rec?.State.Running) return rec;
    if (this.sandboxId) {
      // The sandbox died (or was removed, its network namespace with it): as the kubelet does, every container stops
      // and the pod starts over in a new one.
      this.deps.log(`pod ${this.pod.namespace}/${this.pod.name}: its sandbox ${this.sandboxId.slice(0, 12)} ${rec ? "stopped" : "is gone"}; making a new one`);
      await this.stopAll(MIN_GRACE_SECONDS, false);
      if (rec) await this.deps.containers.remove(rec.Id, { force: true }).catch(() => {});
      this.sandboxId = null;
      this.sandboxAttempt++;
      for (const t of this.tracks.values()) {
        if (t.currentId) {
          t.previousId = t.currentId;
          t.currentId = null;
          t.restartCount++;
        }
      }
    }
    const net = this.deps.podNetwork();
    if (!net) {
      this.waitAll("ContainerCreating", "waiting for this host's pod network (the control plane sends it with the host's pod CIDR)");
      this.wakeIn(RESYNC_MS);
      return null;
    }
    let image: string;
    try {
      image = await this.deps.pauseImage();
    } catch (e) {
      this.waitAll("ContainerCreating", `cannot make the pod's sandbox: ${(e as Error).message}`);
      this.wakeIn(RESYNC_MS);
      return null;
    }
    const name = sandboxName(this.pod, this.sandboxAttempt);
    try {
      const { Id } = await this.deps.containers.create(
        { Image: image, Hostname: this.pod.hostname, Labels: sandboxLabels(this.pod, this.sandboxAttempt), HostConfig: { NetworkMode: net.network, RestartPolicy: { Name: "no" }, CpuShares: 2 } },
        name,
      );
      this.sandboxId = Id;
      await this.deps.containers.start(Id);
    } catch (e) {
      this.deps.log(`pod ${this.pod.namespace}/${this.pod.name}: sandbox ${name}: ${(e as Error).message}`);
      // A leftover of that name (made before a crash, never recorded here) is taken out of the way for the next try.
      if (!this.sandboxId || this.record(this.sandboxId)?.Name !== `/${name}`) {
        const stale = this.deps.containers.list().find((r) => r.Name === `/${name}`);
        if (stale) await this.deps.containers.remove(stale.Id, { force: true }).catch(() => {});
      }
      this.waitAll("ContainerCreating", `cannot start the pod's sandbox: ${(e as Error).message}`);
      this.wakeIn(RESYNC_MS);
      return null;
    }
    const started = this.record(this.sandboxId);
    return started?.State.Running ? started : null;
  }

  private podIP(): string | null {
    const rec = this.record(this.sandboxId);
    if (!rec?.State.Running) return null;
    for (const n of Object.values(rec.Networks)) if (n.IPAddress) return n.IPAddress;
    return null;
  }

  private waitAll(reason: string, message: string) {
    for (const t of this.tracks.values()) if (!this.record(t.currentId)?.State.Running) t.waiting = { reason, message };
  }

  // ---------------------------------------------------------------- containers

  private async restartOrWait(t: Track, rec: ContainerRecord): Promise<void> {
    const key = this.key + t.spec.name;
    const finished = Date.parse(rec.State.FinishedAt);
    const since = rec.HasBeenStarted && finished > 0 ? finished : (t.failedAt ??= this.deps.clock.now());
    const wait = this.deps.restarts.remaining(key, since);
    if (wait > 0) {
      const delay = Math.round(this.deps.restarts.delay(key) / 1000);
      t.waiting = { reason: "CrashLoopBackOff", message: `back-off ${delay}s restarting failed container=${t.spec.name} pod=${this.pod.name}_${this.pod.namespace}(${this.pod.uid})` };
      this.wakeIn(wait);
      return;
    }
    this.deps.restarts.next(key, since);
    await this.startContainer(t);
  }

  /** Whether the image is there to run, pulling it as the policy says; else the track says why it waits. */
  private async ensureImage(t: Track): Promise<boolean> {
    const ref = t.spec.image;
    const present = await this.deps.images.resolve(ref).then(
      () => true,
      () => false,
    );
    const policy = t.spec.imagePullPolicy;
    if (policy === "Never") {
      if (present) return true;
      t.waiting = { reason: "ErrImageNeverPull", message: `Container image "${ref}" is not present with pull policy of Never` };
      this.wakeIn(RESYNC_MS);
      return false;
    }
    if (policy === "IfNotPresent" && present) return true;
    const key = `${this.key}${t.spec.name}/${ref}`;
    if (t.pullFailedAt !== null) {
      const wait = this.deps.pulls.remaining(key, t.pullFailedAt);
      if (wait > 0) {
        t.waiting = { reason: "ImagePullBackOff", message: `Back-off pulling image "${ref}"` };
        this.wakeIn(wait);
        return false;
      }
    }
    t.waiting = { reason: "ContainerCreating" };
    this.publish();
    try {
      await this.deps.checkPull(ref);
      await this.deps.images.pull(ref);
      t.pullFailedAt = null;
      return true;
    } catch (e) {
      t.pullFailedAt = this.deps.clock.now();
      this.deps.pulls.next(key, t.pullFailedAt);
      t.waiting = { reason: "ErrImagePull", message: `failed to pull image "${ref}": ${(e as Error).message}` };
      this.deps.log(`pod ${this.pod.namespace}/${this.pod.name}: pulling ${ref} failed: ${(e as Error).message}`);
      // Looked at again within the back-off, to say ImagePullBackOff while it waits, as the kubelet does.
      this.wakeIn(Math.min(1000, this.deps.pulls.remaining(key, t.pullFailedAt) / 2));
      return false;
    }
  }

  /** Makes and starts the container's next attempt (or starts `made`, an attempt made but never started). */
  private async startContainer(t: Track, made: ContainerRecord | null = null): Promise<void> {
    const label = `pod ${this.pod.namespace}/${this.pod.name} container ${t.spec.name}`;
    if (t.spec.configError) {
      t.waiting = { reason: "CreateContainerConfigError", message: t.spec.configError };
      return this.wakeIn(RESYNC_MS);
    }
    let id = made?.Id ?? null;
    if (!id) {
      if (!(await this.ensureImage(t))) return;
      const attempt = t.currentId ? t.restartCount + 1 : t.restartCount;
      let plan;
      try {
        plan = createPlan(this.pod, t.spec, {
          sandboxId: this.sandboxId!,
          restartCount: attempt,
          init: t.init,
          volumes: this.volumes,
          subPathSource: (v, sub, field) => this.deps.volumes.subPathSource(v, sub, field),
          podIP: this.podIP() ?? "",
          hostIP: this.deps.hostIP(),
          podNetwork: this.deps.podNetwork(),
        });
      } catch (e) {
        if (!(e instanceof ContainerConfigError)) throw e;
        t.waiting = { reason: "CreateContainerConfigError", message: e.message };
        return this.wakeIn(RESYNC_MS);
      }
      const name = containerName(this.pod, t.spec.name, attempt);
      try {
        const stale = this.deps.containers.list().find((r) => r.Name === `/${name}`);
        if (stale) await this.deps.containers.remove(stale.Id, { force: true });
        id = (await this.deps.containers.create(plan.body, name, { mounts: plan.mounts })).Id;
      } catch (e) {
        t.waiting = { reason: "CreateContainerError", message: (e as Error).message };
        this.deps.log(`${label}: create failed: ${(e as Error).message}`);
        return this.wakeIn(RESYNC_MS);
      }
      if (t.currentId) t.previousId = t.currentId;
      t.currentId = id;
      t.restartCount = attempt;
      await this.removeOlderAttempts(t);
    }
    t.waiting = null;
    t.failedAt = null;
    this.stopProbes(t);
    try {
      await this.deps.containers.start(id);
    } catch (e) {
      // The record keeps the engine's reason; the next sync restarts it as a crash, with the back-off.
      this.deps.log(`${label}: start failed: ${(e as Error).message}`);
      t.failedAt = this.deps.clock.now();
      this.kick();
      return;
    }
    const post = t.spec.lifecycle?.postStart;
    if (post) {
      const r = await this.hook(t, id, post, this.pod.terminationGracePeriodSeconds * 1000);
      if (!r.ok) {
        this.deps.log(`${label}: postStart hook failed: ${r.message}`);
        t.kill = { reason: `its postStart hook failed: ${r.message}`, replace: false };
        this.kick();
      }
    }
  }

  /** Keeps the current attempt and the one before it (for `kubectl logs --previous`); older ones go. */
  private async removeOlderAttempts(t: Track) {
    for (const r of this.deps.containers.list()) {
      const p = podContainerOf(r.Config.Labels);
      if (!p || p.uid !== this.pod.uid || p.container !== t.spec.name) continue;
      if (r.Id === t.currentId || r.Id === t.previousId || r.State.Running) continue;
      await this.deps.containers.remove(r.Id, { force: true }).catch((e) => this.deps.log(`removing ${r.Name}: ${(e as Error).message}`));
    }
  }

  private hook(t: Track, id: string, h: NonNullable<NonNullable<AgentContainer["lifecycle"]>["preStop"]>, timeoutMs: number) {
    if (h.sleep) {
      return new Promise<{ ok: boolean; message: string }>((resolve) => this.deps.clock.setTimeout(() => resolve({ ok: true, message: "" }), Math.min(timeoutMs, h.sleep!.seconds * 1000)));
    }
    return runAction(h, { containerId: id, podIP: this.podIP() ?? "", ports: t.spec.ports }, timeoutMs, this.deps.exec);
  }

  /** Stops a running container, its preStop hook first, within `graceSeconds`. */
  private async stopContainer(t: Track, rec: ContainerRecord, graceSeconds: number, preStop: boolean): Promise<void> {
    this.stopProbes(t);
    const started = this.deps.clock.now();
    const hook = t.spec.lifecycle?.preStop;
    if (preStop && hook && graceSeconds > 0) {
      const r = await this.hook(t, rec.Id, hook, graceSeconds * 1000);
      if (!r.ok) this.deps.log(`pod ${this.pod.namespace}/${this.pod.name} container ${t.spec.name}: preStop hook failed: ${r.message}`);
    }
    const left = graceSeconds - Math.floor((this.deps.clock.now() - started) / 1000);
    const grace = graceSeconds === 0 ? 0 : Math.max(preStop && hook ? MIN_GRACE_SECONDS : 0, left);
    await this.deps.containers.stop(rec.Id, grace).catch((e) => this.deps.log(`stopping ${rec.Name}: ${(e as Error).message}`));
  }

  private async killForRestart(t: Track, rec: ContainerRecord) {
    const probe = t.kill?.reason ?? "";
    this.deps.log(`pod ${this.pod.namespace}/${this.pod.name}: container ${t.spec.name} ${probe}, will be restarted`);
    const grace = t.probes.get("liveness")?.probe.terminationGracePeriodSeconds ?? this.pod.terminationGracePeriodSeconds;
    await this.stopContainer(t, rec, grace, true);
    this.kick();
  }

  /** Stops every running container of the pod (app containers in parallel, with their preStop hooks). */
  private async stopAll(graceSeconds: number, preStop: boolean) {
    await Promise.all(
      [...this.tracks.values()].map(async (t) => {
        const rec = this.record(t.currentId);
        if (rec?.State.Running) await this.stopContainer(t, rec, graceSeconds, preStop && !t.init);
      }),
    );
  }

  /** The pod is being deleted: stop it within its grace period, then report the final phase (the control plane removes it). */
  private async terminate() {
    if (this.terminated) return;
    if (!this.terminating) {
      this.terminating = true;
      this.deps.log(`pod ${this.pod.namespace}/${this.pod.name}: deleted, stopping within ${this.grace()} s`);
    }
    this.publish();
    await this.stopAll(this.grace(), true);
    const sandbox = this.record(this.sandboxId);
    if (sandbox?.State.Running) await this.deps.containers.stop(sandbox.Id, 0).catch(() => {});
    for (const t of this.tracks.values()) {
      if (!this.record(t.currentId)) t.waiting = null;
      else if (t.waiting) t.waiting = null;
    }
    this.terminated = true;
  }

  private grace(): number {
    return this.pod.deletionGracePeriodSeconds ?? this.pod.terminationGracePeriodSeconds;
  }

  /** Stops and removes everything the pod has on the host. */
  private async teardown() {
    for (const t of this.tracks.values()) this.stopProbes(t);
    if (!this.terminated) await this.stopAll(MIN_GRACE_SECONDS, false);
    for (const r of this.deps.containers.list()) {
      if (podContainerOf(r.Config.Labels)?.uid !== this.pod.uid) continue;
      await this.deps.containers.remove(r.Id, { force: true }).catch((e) => this.deps.log(`removing ${r.Name}: ${(e as Error).message}`));
    }
    await this.deps.volumes.remove(this.pod.uid);
    this.deps.restarts.forgetPrefix(this.key);
    this.deps.pulls.forgetPrefix(this.key);
    this.deps.log(`pod ${this.pod.namespace}/${this.pod.name} (${this.pod.uid}) removed from this host`);
  }

  // ---------------------------------------------------------------- probes

  private stopProbes(t: Track) {
    for (const p of t.probes.values()) p.stop();
    t.probes.clear();
    t.probedId = null;
    t.afterStartup = null;
  }

  /** Probe workers for every running container (made once per container), and its ready/started flags. */
  private syncProbes() {
    for (const t of this.tracks.values()) {
      const rec = this.record(t.currentId);
      if (!rec?.State.Running || t.init) {
        if (t.probedId) this.stopProbes(t);
        t.ready = false;
        t.started = false;
        continue;
      }
      if (t.probedId === rec.Id) continue;
      this.stopProbes(t);
      t.probedId = rec.Id;
      const restored = t.wasReady?.id === rec.Id ? t.wasReady.ready : null;
      t.wasReady = null;
      const target = { containerId: rec.Id, podIP: this.podIP() ?? "", ports: t.spec.ports };
      const make = (kind: ProbeKind) => {
        const probe = kind === "liveness" ? t.spec.livenessProbe : kind === "readiness" ? t.spec.readinessProbe : t.spec.startupProbe;
        if (!probe) return;
        const w = new ProbeWorker(kind, probe, () => runAction(probe, target, probe.timeoutSeconds * 1000, this.deps.exec), (ok, message) => this.onProbe(t, rec.Id, kind, ok, message), this.deps.clock);
        t.probes.set(kind, w);
        return w;
      };
      const startOthers = () => {
        const readiness = make("readiness");
        if (readiness && restored !== null) readiness.result = restored;
        t.ready = readiness ? readiness.result === true : true;
        readiness?.start();
        make("liveness")?.start();
      };
      const startup = make("startup");
      t.afterStartup = startOthers;
      if (startup && restored === null) {
        t.started = false;
        t.ready = false;
        startup.start();
      } else {
        // Adopted after an agent restart with its startup done (it was ready or probed since): on to the others.
        startup?.stop();
        t.probes.delete("startup");
        t.started = true;
        t.afterStartup = null;
        startOthers();
      }
    }
  }

  private onProbe(t: Track, id: string, kind: ProbeKind, ok: boolean, message: string) {
    if (t.probedId !== id || this.closed) return;
    if (kind === "readiness") t.ready = ok;
    else if (kind === "startup" && ok) {
      t.started = true;
      t.afterStartup?.();
      t.afterStartup = null;
    } else if (!ok) {
      this.stopProbes(t);
      t.kill = { reason: `failed ${kind} probe: ${message.slice(0, 200)}`, replace: false };
      this.kick();
    }
    this.publish();
  }

  // ---------------------------------------------------------------- status

  private attempt(id: string | null): AttemptView | null {
    const r = this.record(id);
    if (!r) return null;
    return {
      id: r.Id,
      running: r.State.Running,
      hasStarted: r.HasBeenStarted,
      startedAt: r.State.StartedAt,
      finishedAt: r.State.FinishedAt,
      exitCode: r.State.ExitCode,
      oomKilled: r.State.OOMKilled,
      error: r.State.Error,
      imageId: r.Image,
    };
  }

  private view(t: Track): ContainerView {
    return { spec: t.spec, restartCount: t.restartCount, current: this.attempt(t.currentId), previous: this.attempt(t.previousId), waiting: t.waiting, ready: t.ready, started: t.started };
  }

  /** Sends the status if it changed since the last one sent. */
  publish(): void {
    if (this.removed) return;
    const tracks = [...this.tracks.values()];
    const running = tracks.some((t) => this.record(t.currentId)?.State.Running);
    const status = computePodStatus(
      {
        pod: this.pod,
        init: tracks.filter((t) => t.init).map((t) => this.view(t)),
        containers: tracks.filter((t) => !t.init).map((t) => this.view(t)),
        podIP: this.podIP() ?? (this.terminating ? (this.lastStatus?.podIP ?? null) : null),
        hostIP: this.deps.hostIP(),
        startTime: this.startTime,
        sandboxReady: this.podIP() !== null,
        terminal: this.terminated && !running,
      },
      this.lastStatus,
      this.deps.clock.now(),
    );
    const text = JSON.stringify(status);
    if (text === this.lastSent) return;
    this.lastSent = text;
    this.lastStatus = status;
    this.deps.onStatus(status);
  }
}
