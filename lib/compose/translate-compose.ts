// A docker-compose file (v2/v3 syntax, the Compose Specification) as a Gantry stack: the Kubernetes objects it becomes,
// every key left out listed by name and path, and notes where the cluster differs from `docker compose up`. Pure: the
// API (lib/stacks) dry-runs and applies what this returns.
//
//   service            → a Deployment of its name (one container; deploy.replicas/scale pods), and a headless Service of
//                        its name, so `db` and `db:5432` resolve to its ready pods from every pod of the namespace, on
//                        any port — as compose's one network does
//   ports (published)  → a NodePort Service `<service>-published`: each port on every host, at the published port when
//                        it lies in the node port range, else at one the cluster assigns (pods have no hostPort here);
//                        a port published only on a loopback address stays private (reachable by name only)
//   environment        → env; env_file → a ConfigMap per file (envFrom), its content pasted beside the compose file
//   volumes            → named and anonymous volumes: emptyDir (they live and die with the pod: not kept across a
//                        redeploy, nor shared between services or replicas); host paths: hostPath, with
//                        containers.host-access only; tmpfs: emptyDir in memory
//   healthcheck        → exec liveness and readiness probes; deploy.resources/cpus/mem_limit → resources
//   labels             → annotations (compose labels need not be valid Kubernetes labels)
//   depends_on, links, networks, restart → notes: what they become (no start order; one network; pods always restart)
import { createHash } from "node:crypto";
import { LineCounter, parseDocument } from "yaml";
import { GantryError, unprocessable } from "@/lib/errors";
import type { KubeObject } from "@/lib/k8s/meta";
import { parseEnvFile } from "./env-file";
import { interpolate } from "./interpolate";
import { durationSeconds } from "./units";
import { Collector, isObj, type Obj } from "./collector";
import { commandOf, dependsOn, envFileRefs, envOf, exposeOf, labelsOf, mountOf, portsOf, probesOf, resourcesOf } from "./service-fields";
import {
  ENV_HASH_ANNOTATION,
  SOURCE_COMPOSE_KEY,
  SOURCE_ENV_FILES_KEY,
  STACK_LABEL,
  STACK_ROLE_LABEL,
  STACK_SERVICE_LABEL,
  sourceConfigMapName,
  type PublishedPort,
  type StackTranslation,
  type TranslateInput,
} from "./types";

/** A DNS-1035 label short enough for "<name>-published": a compose service's name must be one to be reached by name. */
const SERVICE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX_SERVICE_NAME = 53;

const TOP_LEVEL = new Set(["version", "name", "services", "volumes", "networks"]);
const SERVICE_KEYS = new Set([
  "image", "command", "entrypoint", "environment", "env_file", "ports", "expose", "volumes", "tmpfs", "depends_on", "restart",
  "deploy", "scale", "healthcheck", "labels", "networks", "links", "working_dir", "user", "stdin_open", "tty",
  "stop_grace_period", "mem_limit", "mem_reservation", "cpus", "pull_policy",
]);
const DEPLOY_KEYS = new Set(["replicas", "resources", "restart_policy", "labels", "mode", "update_config"]);

/** Reads `input.compose` and returns its translation; a file that cannot be translated is a 422 naming each field (a
 *  bind mount without containers.host-access: a 403 naming it). */
export function translateCompose(input: TranslateInput): StackTranslation {
  const c = new Collector();
  const envFiles = normalizeEnvFiles(input.envFiles ?? {});
  const dotEnv = envFiles.get(".env");
  const vars = dotEnv === undefined ? new Map<string, string>() : parseEnvFile(dotEnv).values;

  const lineCounter = new LineCounter();
  const doc = parseDocument(input.compose, { merge: true, uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    const line = lineCounter.linePos(e.pos[0]);
    throw unprocessable(`compose file: ${line ? `line ${line.line}, column ${line.col}: ` : ""}${e.message.split("\n")[0]}`, [
      { path: "(file)", message: e.message.split("\n")[0], ...(line ? { line: line.line, column: line.col } : {}) },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw unprocessable(`compose file: ${e instanceof Error ? e.message : String(e)}`, [{ path: "(file)", message: String(e) }]);
  }
  if (!isObj(parsed)) throw unprocessable("compose file: the file must be a mapping with a services: key", [{ path: "(file)", message: "must be a mapping" }]);

  // Interpolation from .env, as compose does, on every string value.
  const unset = new Set<string>();
  const root = interpolateTree(parsed, "", vars, c, unset) as Obj;
  for (const name of [...unset].sort()) c.note(".env", `variable ${name} is not set (no .env file gives it): it became an empty string`);

  for (const key of Object.keys(root)) {
    if (key.startsWith("x-")) c.note(key, "an extension field: compose ignores it, and so does the translation (its anchors were expanded where used)");
    else if (!TOP_LEVEL.has(key)) c.skip("", key, key === "secrets" || key === "configs" ? "compose secrets and configs are not translated: paste their content as env files or build it into the image" : undefined);
  }
  if (root.version !== undefined) c.note("version", "obsolete in the Compose Specification and ignored, as compose ignores it");
  if (root.name !== undefined) c.note("name", `the stack is named by the form (${input.stack}), not by name:`);

  const topVolumes = isObj(root.volumes) ? root.volumes : {};
  if (root.volumes !== undefined && root.volumes !== null && !isObj(root.volumes)) c.issue("volumes", "must be a mapping of volume names");
  for (const [name, def] of Object.entries(topVolumes)) {
    if (isObj(def)) for (const k of Object.keys(def)) c.skip(`volumes.${name}`, k, "a stack's volumes are emptyDir volumes of its pods: drivers, names and external volumes do not apply");
  }
  if (root.networks !== undefined) {
    c.note("networks", "one cluster network: every service of the stack reaches every other by name (and any pod of the namespace reaches them); the networks' separation is not kept");
    if (isObj(root.networks)) for (const [name, def] of Object.entries(root.networks)) if (isObj(def)) for (const k of Object.keys(def)) c.skip(`networks.${name}`, k);
  }

  if (!isObj(root.services) || Object.keys(root.services).length === 0) {
    c.issue("services", "required: a mapping of at least one service");
    throw invalidFile(c);
  }
  const services = root.services;
  const names = Object.keys(services);

  const labels = (svc?: string): Record<string, string> => ({ [STACK_LABEL]: input.stack, ...(svc ? { [STACK_SERVICE_LABEL]: svc } : {}) });
  const configMaps: KubeObject[] = [];
  const svcObjects: KubeObject[] = [];
  const deployments: KubeObject[] = [];
  const published: PublishedPort[] = [];
  const envConfigMaps = new Map<string, string>(); // env file key → ConfigMap name
  const volumeUsers = new Map<string, string[]>();
  const range = input.nodePortRange ?? { min: 30000, max: 32767 };

  for (const name of names) {
    const path = `services.${name}`;
    const s = services[name];
    if (!SERVICE_NAME.test(name) || name.length > MAX_SERVICE_NAME) {
      c.issue(path, `the service name must be a DNS label of at most ${MAX_SERVICE_NAME} characters (lowercase letters, digits and "-", starting with a letter) so the other services reach it by name: rename it`);
      continue;
    }
    if (!isObj(s)) {
      c.issue(path, "must be a mapping (image:, ports:, …)");
      continue;
    }
    for (const k of Object.keys(s)) {
      if (k.startsWith("x-")) {
        c.note(`${path}.${k}`, "an extension field: compose ignores it, and so does the translation");
        continue;
      }
      if (SERVICE_KEYS.has(k)) continue;
      const reasons: Record<string, string> = {
        build: "images are not built from a stack: build and push it, then name it in image:",
        container_name: "pods are named by their Deployment",
        privileged: "pods here run no privileged containers",
        network_mode: "pods are on the cluster network; there is no host or container network mode",
        secrets: "compose secrets are not translated: paste their content as an env file",
        configs: "compose configs are not translated",
      };
      c.skip(path, k, reasons[k]);
    }

    const container: Obj = { name };
    if (typeof s.image !== "string" || s.image.trim() === "") {
      c.issue(`${path}.image`, s.build !== undefined ? "required: build: is not supported — build and push the image, then name it here" : "required: the image to run");
    } else container.image = s.image.trim();

    // command / entrypoint: compose's entrypoint is the image's ENTRYPOINT (Kubernetes' command), its command the CMD (args).
    const entry = commandOf(s.entrypoint, `${path}.entrypoint`, c);
    if (entry) container.command = entry;
    const cmd = commandOf(s.command, `${path}.command`, c);
    if (cmd) container.args = cmd;

    if (typeof s.working_dir === "string" && s.working_dir) container.workingDir = s.working_dir;
    if (s.stdin_open === true) container.stdin = true;
    if (s.tty === true) container.tty = true;
    if (s.pull_policy !== undefined) {
      const policy = ({ always: "Always", never: "Never", missing: "IfNotPresent", if_not_present: "IfNotPresent" } as Record<string, string>)[String(s.pull_policy)];
      if (policy) container.imagePullPolicy = policy;
      else c.skip(path, "pull_policy", `${JSON.stringify(s.pull_policy)} has no equivalent (always, never, missing)`);
    }
    if (s.user !== undefined) {
      const m = /^(\d+)(?::(\d+))?$/.exec(String(s.user));
      if (m) container.securityContext = { runAsUser: Number(m[1]), ...(m[2] ? { runAsGroup: Number(m[2]) } : {}) };
      else c.skip(path, "user", "only a numeric uid[:gid] can be set on a pod (a user name is resolved in the image, which the control plane does not read)");
    }

    // environment and env_file
    const env = envOf(s.environment, `${path}.environment`, vars, c);
    if (env.length) container.env = env;
    const envFrom: Obj[] = [];
    const envHash = createHash("sha256");
    for (const ref of envFileRefs(s.env_file, `${path}.env_file`, c)) {
      const content = envFiles.get(ref.key);
      if (content === undefined) {
        if (ref.required) c.issue(ref.path, `${ref.file}: its content was not given: paste it as an env file named ${JSON.stringify(ref.key)}`);
        else c.note(ref.path, `${ref.file} was not given and is optional (required: false): left out`);
        continue;
      }
      const parsedEnv = parseEnvFile(content);
      for (const p of parsedEnv.problems) c.note(ref.path, `${ref.file}, ${p}: left out`);
      let cm = envConfigMaps.get(ref.key);
      if (!cm) {
        const base = `${input.stack}-env-${slug(ref.key)}`.slice(0, 240).replace(/[-.]+$/, "");
        cm = base;
        for (let n = 2; [...envConfigMaps.values()].includes(cm); n++) cm = `${base}-${n}`;
        envConfigMaps.set(ref.key, cm);
        configMaps.push({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: cm, namespace: input.namespace, labels: labels(), annotations: { "gantry.dev/env-file": ref.key } },
          data: Object.fromEntries(parsedEnv.values),
        });
      }
      envHash.update(`${ref.key}\0${content}\0`);
      envFrom.push({ configMapRef: { name: cm } });
    }
    if (envFrom.length) container.envFrom = envFrom;

    // ports and expose
    const ports = portsOf(s.ports, `${path}.ports`, c);
    const exposed = exposeOf(s.expose, `${path}.expose`, c);
    const containerPorts = new Map<string, Obj>();
    for (const p of [...ports.map((p) => ({ target: p.target, protocol: p.protocol })), ...exposed]) {
      containerPorts.set(`${p.target}/${p.protocol}`, { containerPort: p.target, protocol: p.protocol });
    }
    if (containerPorts.size) container.ports = [...containerPorts.values()];
    const publishedPorts: Obj[] = [];
    for (const p of ports) {
      if (p.hostIp && /^(127\.|::1$|localhost$)/.test(p.hostIp)) {
        c.note(p.path, `published only on ${p.hostIp} in the file: kept private — not published on the hosts; other pods reach it at ${name}:${p.target}`);
        continue;
      }
      const wanted = p.published !== null && p.published >= range.min && p.published <= range.max ? p.published : null;
      const port = p.published ?? p.target;
      if (publishedPorts.some((o) => o.port === port && o.protocol === p.protocol)) {
        c.issue(p.path, `port ${port}/${p.protocol.toLowerCase()} is published twice`);
        continue;
      }
      publishedPorts.push({ name: `${p.protocol.toLowerCase()}-${port}`, port, targetPort: p.target, protocol: p.protocol, ...(wanted !== null ? { nodePort: wanted } : {}) });
      published.push({ service: name, published: p.published, target: p.target, protocol: p.protocol, nodePort: wanted });
      const where = p.hostIp && p.hostIp !== "0.0.0.0" ? ` (the file's address ${p.hostIp} is not kept: a node port answers on every address)` : "";
      c.note(
        p.path,
        wanted !== null
          ? `published: node port ${wanted} on every host (Service ${name}-published)${where}`
          : `published: a node port the cluster assigns from ${range.min}-${range.max} on every host${p.published !== null ? ` (${p.published} lies outside that range)` : ""}, shown once deployed (Service ${name}-published, port ${port})${where}`,
      );
    }

    // volumes and tmpfs
    const podVolumes: Obj[] = [];
    const mounts: Obj[] = [];
    let hostPaths = false;
    const volNames = new Set<string>();
    const podVolumeName = (base: string) => {
      let n = slug(base).slice(0, 55) || "volume";
      if (!/^[a-z0-9]/.test(n)) n = `v-${n}`;
      let out = n;
      for (let i = 2; volNames.has(out); i++) out = `${n}-${i}`;
      volNames.add(out);
      return out;
    };
    const namedInPod = new Map<string, string>();
    const volumes = Array.isArray(s.volumes) ? s.volumes : s.volumes === undefined || s.volumes === null ? [] : (c.issue(`${path}.volumes`, "must be a list"), []);
    volumes.forEach((v, i) => {
      const at = `${path}.volumes[${i}]`;
      const m = mountOf(v, at, c);
      if (!m) return;
      if (!m.target.startsWith("/")) return c.issue(at, `the target ${JSON.stringify(m.target)} must be an absolute path in the container`);
      let volName: string;
      if (m.type === "volume" && m.source) {
        if (!(m.source in topVolumes)) return c.issue(at, `refers to the volume ${JSON.stringify(m.source)}, which the file's top-level volumes: does not declare`);
        volName = namedInPod.get(m.source) ?? "";
        if (!volName) {
          volName = podVolumeName(m.source);
          namedInPod.set(m.source, volName);
          podVolumes.push({ name: volName, emptyDir: {} });
          volumeUsers.set(m.source, [...(volumeUsers.get(m.source) ?? []), name]);
        }
      } else if (m.type === "volume") {
        volName = podVolumeName(`anonymous-${i}`);
        podVolumes.push({ name: volName, emptyDir: {} });
        c.note(at, `an anonymous volume at ${m.target}: an emptyDir of the pod (it lives and dies with the pod)`);
      } else if (m.type === "tmpfs") {
        volName = podVolumeName(`tmpfs-${i}`);
        podVolumes.push({ name: volName, emptyDir: { medium: "Memory", ...(m.size ? { sizeLimit: m.size } : {}) } });
      } else {
        const src = m.source ?? "";
        if (!src.startsWith("/")) {
          return c.issue(at, `the host path ${JSON.stringify(src)} is relative to the compose file's folder, which the cluster's hosts do not have: give an absolute path, or use a named volume`);
        }
        if (!input.hostAccess) {
          c.hostIssues.push({ path: at, message: `binding the host path ${src} needs containers.host-access (owners and admins): use a named volume instead` });
          return;
        }
        hostPaths = true;
        volName = podVolumeName(`host-${i}`);
        podVolumes.push({ name: volName, hostPath: { path: src } });
        c.note(at, `the host path ${src} of whichever host runs the pod (hostPath): each host has its own`);
      }
      mounts.push({ name: volName, mountPath: m.target, ...(m.readOnly ? { readOnly: true } : {}) });
    });
    const tmpfs = s.tmpfs === undefined ? [] : typeof s.tmpfs === "string" ? [s.tmpfs] : Array.isArray(s.tmpfs) ? s.tmpfs : (c.issue(`${path}.tmpfs`, "must be a path or a list of paths"), []);
    tmpfs.forEach((t, i) => {
      const target = String(t).split(":")[0]!;
      if (!target.startsWith("/")) return c.issue(`${path}.tmpfs[${i}]`, "must be an absolute path");
      const volName = podVolumeName(`tmpfs-${target}`);
      podVolumes.push({ name: volName, emptyDir: { medium: "Memory" } });
      mounts.push({ name: volName, mountPath: target });
    });
    if (mounts.length) container.volumeMounts = mounts;

    // resources
    const resources = resourcesOf(s, path, c);
    if (resources) container.resources = resources;

    // healthcheck
    const probes = probesOf(s.healthcheck, `${path}.healthcheck`, c);
    if (probes) Object.assign(container, probes);

    // depends_on, links, restart, networks: what they become
    const deps = dependsOn(s.depends_on, `${path}.depends_on`, c);
    for (const d of deps) if (!names.includes(d.service)) c.issue(`${path}.depends_on`, `depends on ${JSON.stringify(d.service)}, which is not a service of this file`);
    if (deps.length) {
      const healthy = deps.filter((d) => d.condition === "service_healthy").map((d) => d.service);
      c.note(
        `${path}.depends_on`,
        `${deps.map((d) => d.service).join(", ")}: no start order on the cluster — all Deployments start at once; ${name} reaches ${deps.length > 1 ? "them" : "it"} by name once ${deps.length > 1 ? "their" : "its"} pods are ready (a service's name resolves to ready pods only), so it must retry until then` +
          (healthy.length ? `; ${healthy.join(", ")}'s healthcheck is ${healthy.length > 1 ? "their" : "its"} readiness probe, so ${healthy.length > 1 ? "their names resolve" : "its name resolves"} only once healthy` : ""),
      );
    }
    if (s.links !== undefined) {
      c.note(`${path}.links`, "not needed: every service reaches every other by name");
      if (Array.isArray(s.links)) s.links.forEach((l, i) => String(l).includes(":") && c.skip(`${path}.links`, `[${i}]`, `the alias in ${JSON.stringify(l)} is not made: use the service's name`));
    }
    if (s.networks !== undefined) {
      if (isObj(s.networks))
        for (const [net, cfg] of Object.entries(s.networks)) if (isObj(cfg)) for (const k of Object.keys(cfg)) c.skip(`${path}.networks.${net}`, k, "one cluster network: only the service's name resolves");
    }
    const restart = s.restart === undefined ? undefined : String(s.restart);
    if (restart !== undefined && restart !== "always" && restart !== "unless-stopped") {
      if (restart === "no" || /^on-failure(:\d+)?$/.test(restart)) c.note(`${path}.restart`, `${JSON.stringify(restart)} becomes "always": a Deployment's pods are always restarted (restartPolicy Always), with back-off`);
      else c.issue(`${path}.restart`, `${JSON.stringify(restart)} is not a restart policy (no, always, on-failure, unless-stopped)`);
    }

    // deploy
    let replicas = 1;
    let strategy: Obj | undefined;
    const annotations: Record<string, string> = {};
    if (s.scale !== undefined) {
      if (Number.isInteger(s.scale) && (s.scale as number) >= 0) replicas = s.scale as number;
      else c.issue(`${path}.scale`, "must be a whole number ≥ 0");
    }
    if (s.deploy !== undefined && s.deploy !== null) {
      if (!isObj(s.deploy)) c.issue(`${path}.deploy`, "must be a mapping");
      else {
        const d = s.deploy;
        for (const k of Object.keys(d)) if (!DEPLOY_KEYS.has(k)) c.skip(`${path}.deploy`, k, k === "placement" ? "placement constraints are not translated: the scheduler spreads the replicas" : undefined);
        if (d.replicas !== undefined) {
          if (Number.isInteger(d.replicas) && (d.replicas as number) >= 0) replicas = d.replicas as number;
          else c.issue(`${path}.deploy.replicas`, "must be a whole number ≥ 0");
        }
        if (d.mode !== undefined && d.mode !== "replicated") c.skip(`${path}.deploy`, "mode", `${JSON.stringify(d.mode)}: only replicated services (no DaemonSets here): ${replicas} replica(s)`);
        if (d.restart_policy !== undefined) c.note(`${path}.deploy.restart_policy`, "pods of a Deployment are always restarted, with back-off (condition, delay and max_attempts do not apply)");
        Object.assign(annotations, labelsOf(d.labels, `${path}.deploy.labels`, c));
        if (isObj(d.update_config)) {
          for (const k of Object.keys(d.update_config)) if (k !== "order") c.skip(`${path}.deploy.update_config`, k);
          if (d.update_config.order === "stop-first") strategy = { type: "Recreate" };
          else if (d.update_config.order === "start-first") strategy = { type: "RollingUpdate" };
        }
      }
    }
    if (hostPaths && !strategy) {
      strategy = { type: "Recreate" };
      c.note(path, "binds host paths: its pods are replaced stopping the old one first (Recreate), so two never write to the same host files at once");
    }
    const podAnnotations = { ...labelsOf(s.labels, `${path}.labels`, c) };
    if (Object.keys(podAnnotations).length) c.note(`${path}.labels`, "become annotations of the Deployment and its pods (compose labels need not be valid Kubernetes labels)");
    if (envFrom.length) podAnnotations[ENV_HASH_ANNOTATION] = envHash.digest("hex").slice(0, 16);

    let grace: number | undefined;
    if (s.stop_grace_period !== undefined) {
      const g = durationSeconds(s.stop_grace_period);
      if (g === null) c.issue(`${path}.stop_grace_period`, `${JSON.stringify(s.stop_grace_period)} is not a duration (such as 10s or 1m30s)`);
      else grace = g;
    }

    const hl: Obj[] = [...containerPorts.values()].map((p) => ({ name: `${String(p.protocol).toLowerCase()}-${p.containerPort}`, port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol }));
    svcObjects.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: input.namespace, labels: labels(name) },
      spec: { clusterIP: "None", selector: labels(name), ...(hl.length ? { ports: hl } : {}) },
    });
    if (publishedPorts.length)
      svcObjects.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: `${name}-published`, namespace: input.namespace, labels: labels(name) },
        spec: { type: "NodePort", selector: labels(name), ports: publishedPorts },
      });
    deployments.push({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: input.namespace, labels: labels(name), ...(Object.keys(annotations).length || Object.keys(podAnnotations).length ? { annotations: { ...podAnnotations, ...annotations } } : {}) },
      spec: {
        replicas,
        selector: { matchLabels: labels(name) },
        ...(strategy ? { strategy } : {}),
        template: {
          metadata: { labels: labels(name), ...(Object.keys(podAnnotations).length ? { annotations: podAnnotations } : {}) },
          spec: { containers: [container], ...(podVolumes.length ? { volumes: podVolumes } : {}), ...(grace !== undefined ? { terminationGracePeriodSeconds: grace } : {}) },
        },
      },
    });
  }

  for (const [vol, users] of volumeUsers) {
    c.note(
      `volumes.${vol}`,
      `an emptyDir volume in each pod of ${users.join(" and ")}: it lives as long as the pod (emptied when the pod is replaced or the stack redeployed with a change to it) and is not shared${users.length > 1 ? ` between ${users.join(" and ")}` : ""} or between replicas`,
    );
  }
  for (const vol of Object.keys(topVolumes)) if (!volumeUsers.has(vol)) c.note(`volumes.${vol}`, "no service mounts it: nothing is made for it");

  // Two objects of one kind and name (a service named "web-published" beside web's published ports): one would
  // overwrite the other.
  const seen = new Map<string, string>();
  for (const o of [...configMaps, ...svcObjects, ...deployments]) {
    const key = `${o.kind}/${o.metadata.name}`;
    const svc = o.metadata.labels?.[STACK_SERVICE_LABEL] ?? "";
    const other = seen.get(key);
    if (other !== undefined) c.issue(`services.${svc}`, `its ${o.kind} ${o.metadata.name} has the name of service ${other}'s: rename one of them`);
    else seen.set(key, svc);
  }
  if (c.issues.length) throw invalidFile(c);
  if (c.hostIssues.length) {
    const first = c.hostIssues[0]!;
    throw new GantryError("forbidden", `${first.path}: ${first.message}`, c.hostIssues);
  }

  const source: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: sourceConfigMapName(input.stack), namespace: input.namespace, labels: { ...labels(), [STACK_ROLE_LABEL]: "source" } },
    data: { [SOURCE_COMPOSE_KEY]: input.compose, [SOURCE_ENV_FILES_KEY]: JSON.stringify(input.envFiles ?? {}) },
  };
  return {
    stack: input.stack,
    namespace: input.namespace,
    objects: [source, ...configMaps, ...svcObjects, ...deployments],
    published,
    unsupported: c.unsupported,
    notes: c.notes,
  };
}

function invalidFile(c: Collector) {
  const first = c.issues[0]!;
  return unprocessable(`${first.path}: ${first.message}`, c.issues);
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/^\.\//, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");

function normalizeEnvFiles(files: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(files)) out.set(k.replace(/^(\.\/)+/, ""), v);
  return out;
}

function interpolateTree(v: unknown, path: string, vars: ReadonlyMap<string, string>, c: Collector, unset: Set<string>): unknown {
  if (typeof v === "string") {
    const r = interpolate(v, vars);
    for (const u of r.unset) unset.add(u);
    if (r.error) c.issue(path || "(file)", r.error);
    return r.value;
  }
  if (Array.isArray(v)) return v.map((x, i) => interpolateTree(x, `${path}[${i}]`, vars, c, unset));
  if (isObj(v)) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) out[k] = interpolateTree(x, path ? `${path}.${k}` : k, vars, c, unset);
    return out;
  }
  return v;
}
