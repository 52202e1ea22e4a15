// A memory size as `docker run --memory` takes it: a number with an optional unit b, k, m, g, t (powers of 1024,
// case-insensitive, an optional trailing "b" as in "256mb"): "256m" → 268435456, "1.5g", "1048576".

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

export class MemorySizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MemorySizeError";
  }
}

/** Bytes for a size like "256m" or "1g"; throws MemorySizeError naming the problem. */
export function parseMemorySize(input: string): number {
  const text = input.trim();
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(text);
  if (!m) throw new MemorySizeError(`"${input}" is not a size: write a number with an optional unit b, k, m, g or t (e.g. 256m, 1g)`);
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(bytes)) throw new MemorySizeError(`"${input}" is too large`);
  return bytes;
}

/** The smallest memory limit the engine accepts (as Docker: 6 MiB). */
export const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
