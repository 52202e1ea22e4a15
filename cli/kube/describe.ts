// A pod template as `kubectl rollout history --revision=N` prints it (kubectl's DescribePodTemplate): labels,
// annotations, containers with their image, ports, command, resources, probes, environment and mounts, and volumes.
// Like kubectl here, fields are separated by tabs and not aligned.

type Obj = Record<string, any>;

const sorted = (m: Record<string, string> | undefined) => Object.keys(m ?? {}).sort();

function labelsBlock(out: string[], title: string, labels: Record<string, string> | undefined): void {
  const keys = sorted(labels);
  if (!keys.length) return void out.push(`${title}:\t<none>`);
  keys.forEach((k, i) => out.push(`${i === 0 ? `${title}:\t` : "\t"}${k}=${labels![k]}`));
}

function annotationsBlock(out: string[], title: string, annotations: Record<string, string>): void {
  const keys = sorted(annotations).filter((k) => k !== "kubectl.kubernetes.io/last-applied-configuration");
  if (!keys.length) return void out.push(`${title}:\t<none>`);
  keys.forEach((k, i) => {
    const value = annotations[k]!.replace(/\n$/, "");
    const lead = i === 0 ? `${title}:\t` : "\t";
    if (value.length + k.length + 2 > 140 || value.includes("\n")) {
      out.push(`${lead}${k}:`);
      for (const s of value.split("\n")) out.push(`\t  ${s.length > 138 ? s.slice(0, 138) + "..." : s}`);
    } else out.push(`${lead}${k}: ${value}`);
  });
}

/** A port given as a number or a name (IntOrString). */
const portOf = (p: unknown) => (typeof p === "number" || typeof p === "string" ? String(p) : "");

function probe(p: Obj): string {
  const attrs = [
    `delay=${p.initialDelaySeconds ?? 0}s`,
    `timeout=${p.timeoutSeconds ?? 1}s`,
    `period=${p.periodSeconds ?? 10}s`,
    `successThreshold=${p.successThreshold ?? 1}`,
    `failureThreshold=${p.failureThreshold ?? 3}`,
  ].join(" ");
  if (p.exec) return `exec [${(p.exec.command ?? []).join(" ")}] ${attrs}`;
  if (p.httpGet) {
    const scheme = String(p.httpGet.scheme ?? "HTTP").toLowerCase();
    const host = p.httpGet.host ?? "";
    return `http-get ${scheme}://${host}:${portOf(p.httpGet.port)}${p.httpGet.path ?? ""} ${attrs}`;
  }
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ""}:${portOf(p.tcpSocket.port)} ${attrs}`;
  if (p.grpc) return `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ""} ${attrs}`;
  return `unknown ${attrs}`;
}

function container(out: string[], c: Obj): void {
  out.push(`   ${c.name}:`);
  out.push(`    Image:\t${c.image ?? ""}`);
  const ports = (c.ports ?? []) as Obj[];
  const portText = ports.map((p) => `${p.containerPort}/${p.protocol ?? "TCP"}${p.name ? ` (${p.name})` : ""}`).join(", ");
  const hostText = ports.map((p) => `${p.hostPort ?? 0}/${p.protocol ?? "TCP"}${p.name ? ` (${p.name})` : ""}`).join(", ");
  out.push(portText.includes(",") ? `    Ports:\t${portText}` : `    Port:\t${portText || "<none>"}`);
  out.push(hostText.includes(",") ? `    Host Ports:\t${hostText}` : `    Host Port:\t${hostText || "<none>"}`);
  for (const [title, list] of [["Command", c.command], ["Args", c.args]] as const) {
    if (!list?.length) continue;
    out.push(`    ${title}:`);
    for (const item of list as string[]) for (const s of String(item).split("\n")) out.push(`      ${s}`);
  }
  for (const [title, m] of [["Limits", c.resources?.limits], ["Requests", c.resources?.requests]] as const) {
    if (!m || !Object.keys(m).length) continue;
    out.push(`    ${title}:`);
    for (const k of sorted(m)) out.push(`      ${k}:\t${m[k]}`);
  }
  if (c.livenessProbe) out.push(`    Liveness:\t${probe(c.livenessProbe)}`);
  if (c.readinessProbe) out.push(`    Readiness:\t${probe(c.readinessProbe)}`);
  if (c.startupProbe) out.push(`    Startup:\t${probe(c.startupProbe)}`);
  if (c.envFrom?.length) {
    out.push("    Environment Variables from:");
    for (const e of c.envFrom as Obj[]) {
      const [from, ref] = e.configMapRef ? ["ConfigMap", e.configMapRef] : ["Secret", e.secretRef ?? {}];
      out.push(`      ${ref.name ?? ""}\t${from}${e.prefix ? ` with prefix '${e.prefix}'` : ""}\tOptional: ${!!ref.optional}`);
    }
  }
  const env = (c.env ?? []) as Obj[];
  out.push(env.length ? "    Environment:" : "    Environment:\t<none>");
  for (const e of env) {
    const from = e.valueFrom;
    if (!from) {
      String(e.value ?? "").split("\n").forEach((s, i) => out.push(i === 0 ? `      ${e.name}:\t${s}` : `      \t${s}`));
    } else if (from.fieldRef) out.push(`      ${e.name}:\t (${from.fieldRef.apiVersion ?? "v1"}:${from.fieldRef.fieldPath})`);
    else if (from.resourceFieldRef) out.push(`      ${e.name}:\t (${from.resourceFieldRef.resource})`);
    else if (from.secretKeyRef) out.push(`      ${e.name}:\t<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name}'>\tOptional: ${!!from.secretKeyRef.optional}`);
    else if (from.configMapKeyRef) out.push(`      ${e.name}:\t<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name}'>\tOptional: ${!!from.configMapKeyRef.optional}`);
  }
  const mounts = [...((c.volumeMounts ?? []) as Obj[])].sort((a, b) => String(a.mountPath).localeCompare(String(b.mountPath)));
  out.push(mounts.length ? "    Mounts:" : "    Mounts:\t<none>");
  for (const m of mounts) out.push(`      ${m.mountPath} from ${m.name} (${[m.readOnly ? "ro" : "rw", ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])].join(",")})`);
}

function volume(out: string[], v: Obj): void {
  out.push(`   ${v.name}:`);
  if (v.hostPath) out.push("    Type:\tHostPath (bare host directory volume)", `    Path:\t${v.hostPath.path}`, `    HostPathType:\t${v.hostPath.type || "<none>"}`);
  else if (v.emptyDir) out.push("    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)", `    Medium:\t${v.emptyDir.medium ?? ""}`, `    SizeLimit:\t${v.emptyDir.sizeLimit ?? "<unset>"}`);
  else if (v.secret) out.push("    Type:\tSecret (a volume populated by a Secret)", `    SecretName:\t${v.secret.secretName ?? ""}`, `    Optional:\t${!!v.secret.optional}`);
  else if (v.configMap) out.push("    Type:\tConfigMap (a volume populated by a ConfigMap)", `    Name:\t${v.configMap.name ?? ""}`, `    Optional:\t${!!v.configMap.optional}`);
  else out.push(`    <unknown>`);
}

export function describePodTemplate(template: Obj | undefined): string {
  const out: string[] = ["Pod Template:"];
  if (!template) return [...out, "  <unset>"].join("\n") + "\n";
  const meta = template.metadata ?? {};
  const spec = template.spec ?? {};
  labelsBlock(out, "  Labels", meta.labels);
  if (meta.annotations && Object.keys(meta.annotations).length) annotationsBlock(out, "  Annotations", meta.annotations);
  if (spec.serviceAccountName) out.push(`  Service Account:\t${spec.serviceAccountName}`);
  if (spec.initContainers?.length) {
    out.push("  Init Containers:");
    for (const c of spec.initContainers) container(out, c);
  }
  out.push(spec.containers?.length ? "  Containers:" : "  Containers: <none>");
  for (const c of spec.containers ?? []) container(out, c);
  if (!spec.volumes?.length) out.push("  Volumes:\t<none>");
  else {
    out.push("  Volumes:");
    for (const v of spec.volumes) volume(out, v);
  }
  if (spec.priorityClassName) out.push(`  Priority Class Name:\t${spec.priorityClassName}`);
  labelsBlock(out, "  Node-Selectors", spec.nodeSelector);
  const tolerations = (spec.tolerations ?? []) as Obj[];
  if (!tolerations.length) out.push("  Tolerations:\t<none>");
  else
    tolerations.forEach((t, i) => {
      const what = `${t.key ?? ""}${t.operator === "Exists" ? "" : `=${t.value ?? ""}`}${t.effect ? `:${t.effect}` : ""}${t.tolerationSeconds !== undefined ? ` for ${t.tolerationSeconds}s` : ""}`;
      out.push(`${i === 0 ? "  Tolerations:\t" : "\t"}${t.operator === "Exists" && !t.key ? "op=Exists" : what}`);
    });
  return out.join("\n") + "\n";
}
