// How much the control plane takes in at once when a fleet arrives together — each past its limit is refused at once
// with a "retry after" the agents honour — and how many database connections it holds. The defaults suit one control
// plane on a 2-core machine with thousands of hosts; the environment may change them (read once).
export interface AdmissionLimits {
  /** GANTRY_DB_POOL_SIZE: database connections (2 for inventory batches, 4 for joins, the rest for requests and agents). */
  dbPool: number;
  /** GANTRY_INVENTORY_QUEUE: inventory pages waiting to be written. */
  inventoryQueue: number;
  /** GANTRY_JOIN_QUEUE: joins waiting their turn. */
  joinQueue: number;
  /** GANTRY_CONNECT_QUEUE: agent connections between their handshake and their hello's answer. */
  connectQueue: number;
}

let read: AdmissionLimits | undefined;

export function admissionLimits(env: Record<string, string | undefined> = process.env): AdmissionLimits {
  if (env === process.env && read) return read;
  const limits = {
    dbPool: readCount(env, "GANTRY_DB_POOL_SIZE", 16, 4, 1000),
    inventoryQueue: readCount(env, "GANTRY_INVENTORY_QUEUE", 2_000, 1, 1_000_000),
    joinQueue: readCount(env, "GANTRY_JOIN_QUEUE", 200, 0, 1_000_000),
    connectQueue: readCount(env, "GANTRY_CONNECT_QUEUE", 200, 1, 1_000_000),
  };
  if (env === process.env) read = limits;
  return limits;
}

function readCount(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}
