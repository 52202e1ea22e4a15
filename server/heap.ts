// The control plane's memory follows what it holds, not what it once allocated. V8 lets the old generation grow to
// several times the data that survived the last full collection before it collects again — after a fleet reconnects
// at once, hundreds of megabytes of garbage kept as resident memory. Asking it to collect once the heap is 20 % past
// the survivors keeps the server near its live size for a few more collections, which concurrent marking mostly keeps
// off the main thread. With 5,000 hollow hosts (bench/fleet-scale.ts) the server's steady RSS was 424–482 MB with
// this and 650 MB without.
import { setFlagsFromString } from "node:v8";

export function boundHeapGrowth(percent = 20) {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
