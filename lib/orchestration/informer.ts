// An informer as client-go's: the objects of one resource kept in memory from a list and then a watch from the list's
// resourceVersion, with add/update/delete handlers and indexes. When the watch can no longer resume (410 Gone, a lost
// stream) it lists again and reports the difference as events, so a controller sees every object that changed while it
// was not looking — this is how controllers resume after a control-plane restart or a failover: list, then watch.
// A controller's own writes are fed in at once (observe), so its next look does not act on a state it already changed;
// an older version arriving later from the watch never replaces a newer one, and a deleted object's stale events never
// bring it back.
import type { KubeObject } from "@/lib/k8s/meta";
import type { SystemClient } from "@/lib/k8s/system-client";
import { keyOf } from "./objects";

export interface Handlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
}

const rv = (o: KubeObject) => {
  try {
    return BigInt(o.metadata.resourceVersion ?? "0");
  } catch {
    return 0n;
  }
};

export class Informer<T extends KubeObject = KubeObject> {
  private items = new Map<string, T>();
  private tombstones = new Map<string, bigint>();
  private handlers: Handlers<T>[] = [];
  private indexes = new Map<string, { fn: (o: T) => string[]; map: Map<string, Set<string>> }>();
  private stopWatch: (() => void) | null = null;
  private stopped = false;
  private relistTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(
    private readonly client: SystemClient,
    readonly resource: string,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  on(h: Handlers<T>): void {
    this.handlers.push(h);
  }

  /** An index: objects by each value `fn` gives (pods by node, by namespace). Add before start(). */
  addIndex(name: string, fn: (o: T) => string[]): void {
    this.indexes.set(name, { fn, map: new Map() });
  }

  /** Lists, fills the cache (add events for everything), then watches; resolves once the list is in. */
  async start(): Promise<void> {
    await this.relist();
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    this.stopWatch?.();
    this.stopWatch = null;
    const list = await this.client.list(this.resource);
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const obj of list.items as T[]) {
      const key = keyOf(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, old] of [...this.items]) if (!seen.has(key) && rv(old) <= BigInt(list.resourceVersion)) this.drop(key, old, BigInt(list.resourceVersion));
    this.stopWatch = this.client.watch(
      this.resource,
      list.resourceVersion,
      (type, obj) => {
        this.failures = 0;
        const key = keyOf(obj);
        if (type === "DELETED") {
          const cur = this.items.get(key);
          if (cur && rv(cur) > rv(obj)) return;
          if (cur) this.drop(key, cur, rv(obj));
          else this.tombstone(key, rv(obj));
        } else this.upsert(key, obj as T);
      },
      () => this.scheduleRelist(),
    );
  }

  private scheduleRelist(): void {
    if (this.stopped || this.relistTimer) return;
    const delay = Math.min(100 * 2 ** this.failures++, 10_000);
    this.relistTimer = setTimeout(() => {
      this.relistTimer = null;
      this.relist().catch((e) => {
        this.log(`${this.resource} informer: list failed: ${e instanceof Error ? e.message : e}`);
        this.scheduleRelist();
      });
    }, delay);
    this.relistTimer.unref();
  }

  private tombstone(key: string, at: bigint): void {
    this.tombstones.set(key, at);
    if (this.tombstones.size > 10_000) for (const k of [...this.tombstones.keys()].slice(0, 5_000)) this.tombstones.delete(k);
  }

  private upsert(key: string, obj: T): void {
    const cur = this.items.get(key);
    const dead = this.tombstones.get(key);
    if (dead !== undefined) {
      if (rv(obj) <= dead) return;
      this.tombstones.delete(key);
    }
    if (cur && rv(cur) >= rv(obj)) return;
    this.items.set(key, obj);
    this.reindex(key, cur, obj);
    for (const h of this.handlers) this.call(() => (cur ? h.update?.(cur, obj) : h.add?.(obj)));
  }

  private drop(key: string, old: T, at: bigint): void {
    this.items.delete(key);
    this.tombstone(key, at);
    this.reindex(key, old, undefined);
    for (const h of this.handlers) this.call(() => h.delete?.(old));
  }

  private reindex(key: string, before: T | undefined, after: T | undefined): void {
    for (const { fn, map } of this.indexes.values()) {
      for (const v of before ? fn(before) : []) {
        const s = map.get(v);
        s?.delete(key);
        if (s && s.size === 0) map.delete(v);
      }
      for (const v of after ? fn(after) : []) {
        let s = map.get(v);
        if (!s) map.set(v, (s = new Set()));
        s.add(key);
      }
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log(`${this.resource} informer handler failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
    }
  }

  /** Feeds in an object this process just wrote (kept unless the cache already holds a newer version). */
  observe(obj: KubeObject): void {
    if (obj.metadata.resourceVersion) this.upsert(keyOf(obj), obj as T);
  }

  /** Feeds in a deletion this process just made (`obj` is the object as deleted). */
  observeDeleted(obj: KubeObject): void {
    const key = keyOf(obj);
    const cur = this.items.get(key);
    const at = rv(obj) > (cur ? rv(cur) : 0n) ? rv(obj) : cur ? rv(cur) : 0n;
    if (cur) this.drop(key, cur, at);
    else this.tombstone(key, at);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  byIndex(name: string, value: string): T[] {
    const idx = this.indexes.get(name);
    if (!idx) throw new Error(`no index ${name} on the ${this.resource} informer`);
    return [...(idx.map.get(value) ?? [])].map((k) => this.items.get(k)!).filter(Boolean);
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.stopWatch = null;
    if (this.relistTimer) clearTimeout(this.relistTimer);
  }
}
