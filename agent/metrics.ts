// The agent's Prometheus metrics, rendered when the control plane asks (the host.prometheus command; a person scrapes
// them through GET /metrics/hosts/{id} on the control plane, so no host opens a port for them): containers by state,
// each running container's CPU, memory, network and block I/O from its cgroups (agent/containers/stats.ts, what
// `docker stats` reads), and the agent process's own figures (memory, CPU, event-loop lag) from prom-client.
import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { containerStats } from "./containers/stats";
import type { ContainerRecord } from "./containers/types";

export interface AgentMetricsSource {
  list(): ContainerRecord[];
}

const STATES = ["created", "running", "paused", "restarting", "removing", "exited", "dead"] as const;

/** A label value as the exposition format writes it (backslash, quote and newline escaped). */
const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export class AgentMetrics {
  private readonly registry = new Registry();

  constructor(private readonly containers: AgentMetricsSource) {
    // Unprefixed, as every exporter's process_* and nodejs_* series are: the target's labels say whose they are.
    collectDefaultMetrics({ register: this.registry });
    const list = () => this.containers.list();
    new Gauge({
      name: "gantry_agent_containers",
      help: "The host's containers by state.",
      labelNames: ["state"],
      registers: [this.registry],
      collect() {
        const all = list();
        for (const state of STATES) this.set({ state }, all.filter((r) => r.State.Status === state).length);
      },
    });
  }

  /** The whole exposition (text format 0.0.4). */
  async render(): Promise<string> {
    return (await this.registry.metrics()) + this.perContainer();
  }

  /** Running containers' usage: counters straight from the kernel's, so written here rather than kept in prom-client. */
  private perContainer(): string {
    const series: Record<string, { type: "counter" | "gauge"; help: string; lines: string[] }> = {
      gantry_container_cpu_seconds_total: { type: "counter", help: "CPU time the container used.", lines: [] },
      gantry_container_memory_bytes: { type: "gauge", help: "Memory the container uses now (its cgroup's usage).", lines: [] },
      gantry_container_memory_limit_bytes: { type: "gauge", help: "The container's memory limit (the host's memory when it has none).", lines: [] },
      gantry_container_network_receive_bytes_total: { type: "counter", help: "Bytes the container's interfaces received.", lines: [] },
      gantry_container_network_transmit_bytes_total: { type: "counter", help: "Bytes the container's interfaces sent.", lines: [] },
      gantry_container_blkio_read_bytes_total: { type: "counter", help: "Bytes the container read from block devices.", lines: [] },
      gantry_container_blkio_write_bytes_total: { type: "counter", help: "Bytes the container wrote to block devices.", lines: [] },
      gantry_container_pids: { type: "gauge", help: "Processes in the container.", lines: [] },
    };
    for (const r of this.containers.list()) {
      if (!r.State.Running) continue;
      const s = containerStats(`/gantry/${r.Id}`, r.State.Pid, r.Name, r.Id);
      const labels = `{id="${label(r.Id)}",name="${label(r.Name.replace(/^\//, ""))}",image="${label(r.Config.Image)}"}`;
      const nets = Object.values(s.networks);
      const blk = (op: string) => s.blkio_stats.io_service_bytes_recursive.filter((b) => b.op === op).reduce((a, b) => a + b.value, 0);
      const put = (name: string, value: number) => series[name]!.lines.push(`${name}${labels} ${value}`);
      put("gantry_container_cpu_seconds_total", s.cpu_stats.cpu_usage.total_usage / 1e9);
      put("gantry_container_memory_bytes", s.memory_stats.usage);
      put("gantry_container_memory_limit_bytes", s.memory_stats.limit);
      put("gantry_container_network_receive_bytes_total", nets.reduce((a, n) => a + (n.rx_bytes ?? 0), 0));
      put("gantry_container_network_transmit_bytes_total", nets.reduce((a, n) => a + (n.tx_bytes ?? 0), 0));
      put("gantry_container_blkio_read_bytes_total", blk("read"));
      put("gantry_container_blkio_write_bytes_total", blk("write"));
      put("gantry_container_pids", s.pids_stats.current);
    }
    let out = "";
    for (const [name, s] of Object.entries(series)) {
      out += `# HELP ${name} ${s.help}\n# TYPE ${name} ${s.type}\n${s.lines.map((l) => l + "\n").join("")}`;
    }
    return out;
  }
}
