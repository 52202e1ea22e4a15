// Detach keys (`docker attach`, `docker exec -it`): a sequence the client types to leave a container's terminal
// without ending what runs there — ctrl-p ctrl-q unless the request names others. As dockerd's, they apply only with a
// TTY (without one every byte is the container's input), and the keys themselves never reach the container.
export const DEFAULT_DETACH_KEYS = Buffer.from([0x10, 0x11]);

export class DetachKeysError extends Error {}

/** Docker's grammar (moby/term's ToBytes): comma-separated single characters or ctrl-<a-z, @, [, \, ], ^, _>. */
export function parseDetachKeys(spec: string | null | undefined): Buffer {
  if (!spec) return DEFAULT_DETACH_KEYS;
  const out: number[] = [];
  for (const key of spec.split(",")) {
    if (key.length === 1) {
      out.push(key.charCodeAt(0));
      continue;
    }
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(key);
    if (!m) throw new DetachKeysError(key.startsWith("ctrl-") ? `Unknown sequence: '${key}'` : `Unknown character: '${key}'`);
    out.push(m[1]!.charCodeAt(0) & 0x1f);
  }
  return Buffer.from(out);
}

/**
 * Watches input for the keys, across chunks: what may still be the start of the sequence is held back, and passed on
 * when the next byte shows it was not.
 */
export class DetachKeyMatcher {
  private held: number[] = [];

  constructor(private readonly keys: Buffer) {}

  /** The bytes to pass on, and whether the sequence is now complete (bytes after it are dropped). */
  feed(data: Buffer): { pass: Buffer; detached: boolean } {
    if (!this.keys.length) return { pass: data, detached: false };
    const out: number[] = [];
    for (const b of data) {
      if (b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) return { pass: Buffer.from(out), detached: true };
        continue;
      }
      out.push(...this.held);
      this.held = [];
      if (b === this.keys[0]) this.held.push(b);
      else out.push(b);
    }
    return { pass: Buffer.from(out), detached: false };
  }
}
