// /_ping, /version and /info: what this agent truly is (Gantry's version, the host's kernel, OS, CPUs and memory), in the
// shapes the docker CLI reads. The ping's Api-Version header carries the newest version offered, which the CLI adopts.
import os from "node:os";
import { RUNTIME_NAMES } from "../containers/service";
import { collectFacts } from "../facts";
import { sendJson } from "./http";
import { MAX_API_VERSION, MIN_API_VERSION, route, type Route } from "./server";

export interface SystemInfo {
  root: string;
  engineBinary: string;
  agentVersion: string;
  /** How many images the engine holds (for /info). */
  imageCount(): Promise<number>;
  /** The status of every container ("running", "paused", "exited", ...), when a container engine runs. */
  containerStates?: () => string[];
}

const GO_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" };
export const goArch = () => GO_ARCH[process.arch] ?? process.arch;

export function systemRoutes(sys: SystemInfo): Route[] {
  const ping = (withBody: boolean) => (ctx: Parameters<Route["handler"]>[0]) => {
    ctx.res.writeHead(200, {
      "Api-Version": MAX_API_VERSION,
      "Builder-Version": "1",
      "Docker-Experimental": "false",
      OSType: "linux",
      "Cache-Control": "no-cache, no-store, must-revalidate",
      Pragma: "no-cache",
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": withBody ? 2 : 0,
    });
    ctx.res.end(withBody ? "OK" : undefined);
  };
  return [
    route("GET", "/_ping", ping(true)),
    route("HEAD", "/_ping", ping(false)),
    route("GET", "/version", async ({ res }) => {
      const facts = await collectFacts({ root: sys.root, engineBinary: sys.engineBinary, agentVersion: sys.agentVersion });
      const details = {
        ApiVersion: MAX_API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        Arch: goArch(),
        Os: "linux",
        KernelVersion: facts.kernel,
        GitCommit: "",
        GoVersion: `node${process.versions.node}`,
        BuildTime: "",
        Experimental: "false",
      };
      sendJson(res, 200, {
        Platform: { Name: "Gantry Engine" },
        Components: [
          { Name: "Engine", Version: sys.agentVersion, Details: details },
          ...(facts.engineVersion ? [{ Name: "gantry-runtime", Version: facts.engineVersion, Details: { GitCommit: "" } }] : []),
        ],
        Version: sys.agentVersion,
        ApiVersion: MAX_API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        GitCommit: "",
        GoVersion: details.GoVersion,
        Os: "linux",
        Arch: details.Arch,
        KernelVersion: facts.kernel,
        BuildTime: "",
      });
    }),
    route("GET", "/info", async ({ res }) => {
      const facts = await collectFacts({ root: sys.root, engineBinary: sys.engineBinary, agentVersion: sys.agentVersion });
      const cgroupV2 = facts.cgroupVersion === "v2";
      const states = sys.containerStates?.() ?? [];
      const running = states.filter((x) => x === "running" || x === "restarting").length;
      const paused = states.filter((x) => x === "paused").length;
      sendJson(res, 200, {
        ID: facts.hostname,
        Containers: states.length,
        ContainersRunning: running,
        ContainersPaused: paused,
        ContainersStopped: states.length - running - paused,
        Images: await sys.imageCount(),
        Driver: "overlayfs",
        DriverStatus: [["Backing Filesystem", "overlay snapshots under " + sys.root]],
        // The drivers there are: local volumes; bridge, host and none ("null") networks; the json-file-like CRI log.
        Plugins: { Volume: ["local"], Network: ["bridge", "host", "null"], Authorization: null, Log: ["json-file"] },
        MemoryLimit: true,
        SwapLimit: false,
        CpuCfsPeriod: true,
        CpuCfsQuota: true,
        CPUShares: true,
        CPUSet: true,
        PidsLimit: true,
        IPv4Forwarding: true,
        Debug: false,
        NFd: 0,
        NGoroutines: 0,
        SystemTime: new Date().toISOString(),
        LoggingDriver: "json-file",
        CgroupDriver: "cgroupfs",
        CgroupVersion: cgroupV2 ? "2" : "1",
        KernelVersion: facts.kernel,
        OperatingSystem: facts.os.prettyName ?? facts.os.name ?? "Linux",
        OSVersion: facts.os.version ?? "",
        OSType: "linux",
        Architecture: os.machine(),
        IndexServerAddress: "https://index.docker.io/v1/",
        RegistryConfig: { InsecureRegistryCIDRs: ["127.0.0.0/8", "::1/128"], IndexConfigs: {}, Mirrors: [] },
        NCPU: facts.cpus,
        MemTotal: facts.memoryBytes,
        DockerRootDir: sys.root,
        Name: facts.hostname,
        Labels: [],
        ExperimentalBuild: false,
        ServerVersion: sys.agentVersion,
        // Every name a container may ask for runs gantry-runtime (containers keep the name they asked for).
        Runtimes: Object.fromEntries(RUNTIME_NAMES.map((n) => [n, { path: sys.engineBinary }])),
        DefaultRuntime: "gantry",
        // Containers outlive an agent restart (they run under gantry-monitor), which is what live-restore means.
        LiveRestoreEnabled: true,
        Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
        Isolation: "",
        InitBinary: "",
        SecurityOptions: [],
        Warnings: facts.engineVersion ? [] : [`WARNING: the container runtime ${sys.engineBinary} is not built; RUN steps of builds cannot run`],
      });
    }),
  ];
}
