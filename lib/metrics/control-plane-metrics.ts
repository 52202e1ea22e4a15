// The control plane's Prometheus metrics (GET /metrics, text format 0.0.4): the API's requests by action and answer,
// commands sent to hosts by kind and outcome with their round trips, the hosts by status and the agents and browsers
// connected (read when scraped), and Node's own (CPU, memory, event-loop lag, GC) from prom-client. One registry per
// process, kept on globalThis: Next bundles route handlers as module instances of their own, and the server's code and
// theirs must count into the same series. Names follow Prometheus conventions: gantry_ prefix, _total counters,
// _seconds durations, base units.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface ControlPlaneMetrics {
  registry: Registry;
  apiRequests: Counter<"action" | "method" | "code">;
  apiRequestSeconds: Histogram<"action" | "method">;
  hostCommands: Counter<"kind" | "outcome">;
  hostCommandSeconds: Histogram<"kind">;
  /** Read when scraped (hosts by status, connections…): each collector sets its gauges. */
  addCollector(name: string, collect: (gauges: CollectorGauges) => Promise<void> | void): void;
}

export interface CollectorGauges {
  hosts: Gauge<"status">;
  agentConnections: Gauge;
  browserConnections: Gauge;
  schedulerPendingPods: Gauge;
}

const KEY = Symbol.for("gantry.control-plane-metrics");
const store = globalThis as unknown as { [KEY]?: ControlPlaneMetrics };

/** Request and round-trip buckets: a fleet's API answers in milliseconds; commands can take a minute (a pull). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function controlPlaneMetrics(): ControlPlaneMetrics {
  const existing = store[KEY];
  if (existing) return existing;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const collectors = new Map<string, (g: CollectorGauges) => Promise<void> | void>();
  let gauges: CollectorGauges | null = null;
  // One gauge's collect() runs every collector once per scrape; the others read what it set.
  let scrape: Promise<void> | null = null;
  const collectAll = () => {
    scrape ??= (async () => {
      for (const [, collect] of collectors) {
        try {
          await collect(gauges!);
        } catch {
          // A collector that fails (the database away) leaves its gauges as they were; the scrape still answers.
        }
      }
    })().finally(() => setTimeout(() => (scrape = null), 0));
    return scrape;
  };
  gauges = {
    hosts: new Gauge({ name: "gantry_hosts", help: "Hosts of the fleet by status (revoked ones apart).", labelNames: ["status"], registers: [registry], collect: collectAll }),
    agentConnections: new Gauge({ name: "gantry_agent_connections", help: "Agent websocket connections open to this control plane.", registers: [registry], collect: collectAll }),
    browserConnections: new Gauge({ name: "gantry_browser_connections", help: "Browser websocket connections open to this control plane.", registers: [registry], collect: collectAll }),
    schedulerPendingPods: new Gauge({ name: "gantry_scheduler_pending_pods", help: "Pods waiting to be placed on a host (queued or unschedulable).", registers: [registry], collect: collectAll }),
  };
  const metrics: ControlPlaneMetrics = {
    registry,
    apiRequests: new Counter({ name: "gantry_api_requests_total", help: "REST API requests by the action they asked for, the HTTP method and the status code answered.", labelNames: ["action", "method", "code"], registers: [registry] }),
    apiRequestSeconds: new Histogram({ name: "gantry_api_request_duration_seconds", help: "REST API request durations by action and method.", labelNames: ["action", "method"], buckets: LATENCY_BUCKETS, registers: [registry] }),
    hostCommands: new Counter({ name: "gantry_host_commands_total", help: "Commands sent to hosts by kind and outcome (done, queued, refused, failed).", labelNames: ["kind", "outcome"], registers: [registry] }),
    hostCommandSeconds: new Histogram({ name: "gantry_host_command_duration_seconds", help: "Round trips of commands answered by hosts, by kind.", labelNames: ["kind"], buckets: LATENCY_BUCKETS, registers: [registry] }),
    addCollector(name, collect) {
      collectors.set(name, collect);
    },
  };
  store[KEY] = metrics;
  return metrics;
}
