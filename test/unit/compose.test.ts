// The compose translation (lib/compose) on real compose files of popular projects, as they publish them
// (test/fixtures/compose/): what each becomes, every key left out listed by its path, and refusals naming the field.
// Every object it makes is checked by the Kubernetes API's own decoding and validation of its kind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { translateCompose } from "@/lib/compose/translate-compose";
import { interpolate } from "@/lib/compose/interpolate";
import { parseEnvFile } from "@/lib/compose/env-file";
import { cpuQuantity, durationSeconds, memoryQuantity, shellWords } from "@/lib/compose/units";
import type { StackTranslation, TranslateInput } from "@/lib/compose/types";
import { GantryError } from "@/lib/errors";
import { decodeObject, normalizeAndValidate } from "@/lib/k8s/admit";
import { resourceByKey } from "@/lib/k8s/resources";
import type { KubeObject } from "@/lib/k8s/meta";
import { REPO_ROOT } from "../support/bundle";

const FIXTURES = join(REPO_ROOT, "test", "fixtures", "compose");
const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

function translate(compose: string, more: Partial<TranslateInput> = {}): StackTranslation {
  return translateCompose({ stack: "demo", namespace: "default", compose, hostAccess: false, ...more });
}

function refusal(fn: () => unknown): GantryError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof GantryError, `expected a GantryError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the translation to be refused");
}

const KEYS: Record<string, string> = { ConfigMap: "configmaps", Service: "services", Deployment: "apps/deployments" };

/** Each object decodes strictly (no field the kind lacks) and passes its kind's validation, as the API would check it. */
function assertValidObjects(t: StackTranslation) {
  for (const obj of t.objects) {
    const def = resourceByKey(KEYS[obj.kind]!)!;
    const { object, warnings } = decodeObject(def, structuredClone(obj), "Strict");
    assert.deepEqual(warnings, []);
    assert.doesNotThrow(() => normalizeAndValidate(def, object, undefined), `${obj.kind} ${obj.metadata.name} is valid`);
    assert.equal(obj.metadata.labels?.["gantry.dev/stack"], "demo", `${obj.kind} ${obj.metadata.name} carries the stack label`);
  }
}

const find = (t: StackTranslation, kind: string, name: string): KubeObject => {
  const o = t.objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind} ${name} in ${t.objects.map((x) => `${x.kind}/${x.metadata.name}`).join(", ")}`);
  return o;
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const spec = (o: KubeObject) => o.spec as any;
const container = (t: StackTranslation, name: string) => spec(find(t, "Deployment", name)).template.spec.containers[0];

test("wordpress + mysql (Docker's quickstart): Deployments, a Service per service, the published port as a NodePort Service", () => {
  const t = translate(fixture("wordpress-mysql.yml"));
  assertValidObjects(t);
  assert.deepEqual(
    t.objects.map((o) => `${o.kind}/${o.metadata.name}`),
    ["ConfigMap/gantry-stack-demo", "Service/db", "Service/wordpress", "Service/wordpress-published", "Deployment/db", "Deployment/wordpress"],
  );
  // db has no ports in the file: its Service is headless, so db:3306 (any port) resolves to its ready pods.
  assert.deepEqual(spec(find(t, "Service", "db")), { clusterIP: "None", selector: { "gantry.dev/stack": "demo", "gantry.dev/stack-service": "db" } });
  const published = spec(find(t, "Service", "wordpress-published"));
  assert.equal(published.type, "NodePort");
  // 8000 lies outside 30000-32767: the cluster assigns the node port, the Service's own port stays 8000.
  assert.deepEqual(published.ports, [{ name: "tcp-8000", port: 8000, targetPort: 80, protocol: "TCP" }]);
  assert.deepEqual(t.published, [{ service: "wordpress", published: 8000, target: 80, protocol: "TCP", nodePort: null }]);
  const wp = container(t, "wordpress");
  assert.equal(wp.image, "wordpress:latest");
  assert.deepEqual(wp.env.find((e: { name: string }) => e.name === "WORDPRESS_DB_HOST"), { name: "WORDPRESS_DB_HOST", value: "db:3306" });
  assert.deepEqual(wp.ports, [{ containerPort: 80, protocol: "TCP" }]);
  assert.deepEqual(wp.volumeMounts, [{ name: "wordpress-data", mountPath: "/var/www/html" }]);
  assert.deepEqual(spec(find(t, "Deployment", "wordpress")).template.spec.volumes, [{ name: "wordpress-data", emptyDir: {} }]);
  assert.deepEqual(spec(find(t, "Deployment", "db")).selector, { matchLabels: { "gantry.dev/stack": "demo", "gantry.dev/stack-service": "db" } });
  // Nothing was left out; what differs from compose is said.
  assert.deepEqual(t.unsupported, []);
  const notes = new Map(t.notes.map((n) => [n.path, n.message]));
  assert.match(notes.get("services.wordpress.depends_on")!, /no start order/);
  assert.match(notes.get("volumes.db_data")!, /emptyDir/);
  assert.match(notes.get("services.wordpress.ports[0]")!, /node port the cluster assigns .*8000 lies outside/);
  assert.match(notes.get("version")!, /obsolete/);
  // The source is kept for the page and a redeploy.
  assert.equal((find(t, "ConfigMap", "gantry-stack-demo").data as Record<string, string>)["compose.yaml"], fixture("wordpress-mysql.yml"));
});

test("nextcloud (nextcloud/docker's README): a command string split into args, entrypoint as command, a volume two services mount is said not to be shared", () => {
  const t = translate(fixture("nextcloud.yml"));
  assertValidObjects(t);
  assert.deepEqual(container(t, "db").args, ["--transaction-isolation=READ-COMMITTED", "--log-bin=binlog", "--binlog-format=ROW"]);
  assert.equal(container(t, "db").command, undefined);
  assert.deepEqual(container(t, "cron").command, ["/cron.sh"]);
  // An empty value is a value (MYSQL_ROOT_PASSWORD=).
  assert.deepEqual(container(t, "db").env[0], { name: "MYSQL_ROOT_PASSWORD", value: "" });
  // 8080:80 (YAML 1.2: a string) is published.
  assert.deepEqual(spec(find(t, "Service", "app-published")).ports, [{ name: "tcp-8080", port: 8080, targetPort: 80, protocol: "TCP" }]);
  const notes = new Map(t.notes.map((n) => [n.path, n.message]));
  assert.match(notes.get("volumes.nextcloud")!, /not shared between app and cron/);
  assert.match(notes.get("services.app.links")!, /by name/);
  assert.match(notes.get("services.cron.depends_on")!, /^db, redis: no start order/);
  assert.equal(t.objects.some((o) => o.metadata.name === "redis-published"), false, "redis publishes nothing");
});

test("the voting app's stack file: deploy.replicas, networks (one cluster network, said), two published ports", () => {
  const t = translate(fixture("voting-app-stack.yml"));
  assertValidObjects(t);
  assert.equal(spec(find(t, "Deployment", "vote")).replicas, 2);
  assert.equal(spec(find(t, "Deployment", "worker")).replicas, 2);
  assert.equal(spec(find(t, "Deployment", "redis")).replicas, 1);
  assert.deepEqual(t.published.map((p) => `${p.service}:${p.published}->${p.target}`), ["vote:8080->80", "result:8081->80"]);
  assert.match(t.notes.find((n) => n.path === "networks")!.message, /one cluster network/);
  assert.deepEqual(t.unsupported, []);
});

test("gitea (its documentation's MySQL setup): relative bind mounts are refused naming each field; host paths need host access", () => {
  const e = refusal(() => translate(fixture("gitea-mysql.yml")));
  assert.equal(e.code, "unprocessable");
  assert.match(e.message, /^services\.server\.volumes\[0\]: the host path "\.\/gitea" is relative/);
  const paths = (e.details as Array<{ path: string }>).map((d) => d.path);
  assert.deepEqual(paths, ["services.server.volumes[0]", "services.db.volumes[0]"]);

  // The same file with the relative paths made named volumes: the /etc binds are what is left — forbidden without the
  // right, hostPath volumes with it (and the pods replaced one at a time: Recreate).
  const fixed = fixture("gitea-mysql.yml").replace("- ./gitea:/data", "- gitea:/data").replace("- ./mysql:/var/lib/mysql", "- mysql:/var/lib/mysql") + "volumes:\n  gitea:\n  mysql:\n";
  const denied = refusal(() => translate(fixed));
  assert.equal(denied.code, "forbidden");
  assert.deepEqual((denied.details as Array<{ path: string }>).map((d) => d.path), ["services.server.volumes[1]", "services.server.volumes[2]"]);
  assert.match(denied.message, /services\.server\.volumes\[1\]: binding the host path \/etc\/timezone needs containers\.host-access/);

  const t = translate(fixed, { hostAccess: true });
  assertValidObjects(t);
  const server = spec(find(t, "Deployment", "server"));
  assert.deepEqual(server.template.spec.volumes, [
    { name: "gitea", emptyDir: {} },
    { name: "host-1", hostPath: { path: "/etc/timezone" } },
    { name: "host-2", hostPath: { path: "/etc/localtime" } },
  ]);
  assert.deepEqual(server.template.spec.containers[0].volumeMounts[1], { name: "host-1", mountPath: "/etc/timezone", readOnly: true });
  assert.deepEqual(server.strategy, { type: "Recreate" });
  assert.deepEqual(t.unsupported.map((u) => u.path), ["networks.gitea.external", "services.server.container_name"]);
  // 222:22 — ssh published on a node port the cluster assigns.
  assert.deepEqual(spec(find(t, "Service", "server-published")).ports.map((p: { port: number; targetPort: number }) => `${p.port}->${p.targetPort}`), ["3000->3000", "222->22"]);
});

test("prometheus + grafana (awesome-compose): a config folder bound from beside the file cannot be had on the cluster", () => {
  const e = refusal(() => translate(fixture("prometheus-grafana.yml"), { hostAccess: true }));
  assert.deepEqual((e.details as Array<{ path: string }>).map((d) => d.path), ["services.prometheus.volumes[0]", "services.grafana.volumes[0]"]);
  const withoutConfig = fixture("prometheus-grafana.yml").replace("      - ./prometheus:/etc/prometheus\n", "").replace("    volumes:\n      - ./grafana:/etc/grafana/provisioning/datasources\n", "");
  const t = translate(withoutConfig);
  assertValidObjects(t);
  assert.deepEqual(container(t, "prometheus").args, ["--config.file=/etc/prometheus/prometheus.yml"]);
  assert.deepEqual(container(t, "grafana").env, [
    { name: "GF_SECURITY_ADMIN_USER", value: "admin" },
    { name: "GF_SECURITY_ADMIN_PASSWORD", value: "grafana" },
  ]);
  assert.deepEqual(t.unsupported.map((u) => `${u.path}`), ["services.prometheus.container_name", "services.grafana.container_name"]);
});

test("immich (its release docker-compose.yml and .env): interpolation from .env, env_file as a ConfigMap, healthchecks, unsupported keys listed", () => {
  const env = fixture("immich.env");
  // As published, the storage locations are relative to the file's folder: refused, naming the interpolated field.
  const e = refusal(() => translate(fixture("immich.yml"), { envFiles: { ".env": env }, hostAccess: true }));
  assert.match(e.message, /^services\.immich-server\.volumes\[0\]: the host path "\.\/library" is relative/);

  const absolute = env.replace("UPLOAD_LOCATION=./library", "UPLOAD_LOCATION=/srv/immich/library").replace("DB_DATA_LOCATION=./postgres", "DB_DATA_LOCATION=/srv/immich/postgres");
  const t = translate(fixture("immich.yml"), { envFiles: { ".env": absolute }, hostAccess: true });
  assertValidObjects(t);
  assert.equal(container(t, "immich-server").image, "ghcr.io/immich-app/immich-server:release");
  assert.deepEqual(container(t, "database").env.slice(0, 3), [
    { name: "POSTGRES_PASSWORD", value: "postgres" },
    { name: "POSTGRES_USER", value: "postgres" },
    { name: "POSTGRES_DB", value: "immich" },
  ]);
  assert.deepEqual(spec(find(t, "Deployment", "database")).template.spec.volumes, [{ name: "host-0", hostPath: { path: "/srv/immich/postgres" } }]);
  // .env is also both services' env_file: one ConfigMap, read through envFrom, its hash on the pod template.
  const cm = find(t, "ConfigMap", "demo-env-env");
  assert.equal((cm.data as Record<string, string>).DB_DATABASE_NAME, "immich");
  assert.deepEqual(container(t, "immich-server").envFrom, [{ configMapRef: { name: "demo-env-env" } }]);
  assert.deepEqual(container(t, "immich-machine-learning").envFrom, [{ configMapRef: { name: "demo-env-env" } }]);
  assert.match(spec(find(t, "Deployment", "immich-server")).template.metadata.annotations["gantry.dev/env-files-hash"], /^[0-9a-f]{16}$/);
  // healthcheck: a string test → sh -c, compose's default timings.
  assert.deepEqual(container(t, "redis").livenessProbe, { exec: { command: ["/bin/sh", "-c", "redis-cli ping || exit 1"] }, periodSeconds: 30, timeoutSeconds: 30, failureThreshold: 3 });
  assert.deepEqual(container(t, "redis").readinessProbe, container(t, "redis").livenessProbe);
  assert.equal(container(t, "immich-server").livenessProbe, undefined, "disable: false without a test: the image's own healthcheck, which is not read");
  assert.deepEqual(t.unsupported.map((u) => u.path).sort(), [
    "services.database.container_name",
    "services.database.shm_size",
    "services.immich-machine-learning.container_name",
    "services.immich-server.container_name",
    "services.redis.container_name",
  ]);
  assert.match(t.notes.find((n) => n.path === "name")!.message, /named by the form \(demo\)/);
});

test("healthcheck timings, deploy.resources, long port and volume syntax, labels as annotations, update order", () => {
  const t = translate(`
services:
  web:
    image: nginx:1.27
    entrypoint: ["nginx", "-g", "daemon off;"]
    ports:
      - target: 80
        published: 30080
        protocol: tcp
      - "127.0.0.1:9000:9000"
      - "5000-5001:6000-6001/udp"
    expose: ["8443"]
    volumes:
      - type: volume
        source: cache
        target: /var/cache/nginx
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: 64m
      - /scratch
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://localhost/"]
      interval: 1m30s
      timeout: 10s
      retries: 5
      start_period: 40s
    labels:
      com.example.description: "The front end"
    deploy:
      resources:
        limits: { cpus: "0.50", memory: 512M, pids: 100 }
        reservations: { cpus: "0.25", memory: 128M }
      update_config:
        order: stop-first
      placement:
        constraints: [node.role == manager]
    stop_grace_period: 1m
    user: "1000:1000"
    cap_add: [NET_ADMIN]
volumes:
  cache:
    driver: local
`);
  assertValidObjects(t);
  const web = container(t, "web");
  assert.deepEqual(web.command, ["nginx", "-g", "daemon off;"]);
  assert.deepEqual(web.resources, { limits: { cpu: "500m", memory: "512Mi" }, requests: { cpu: "250m", memory: "128Mi" } });
  assert.deepEqual(web.livenessProbe, { exec: { command: ["wget", "-q", "-O-", "http://localhost/"] }, periodSeconds: 90, timeoutSeconds: 10, failureThreshold: 5, initialDelaySeconds: 40 });
  assert.deepEqual(web.securityContext, { runAsUser: 1000, runAsGroup: 1000 });
  const d = spec(find(t, "Deployment", "web"));
  assert.deepEqual(d.strategy, { type: "Recreate" });
  assert.equal(d.template.spec.terminationGracePeriodSeconds, 60);
  assert.equal(d.template.metadata.annotations["com.example.description"], "The front end");
  assert.deepEqual(d.template.spec.volumes, [
    { name: "cache", emptyDir: {} },
    { name: "tmpfs-1", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
    { name: "anonymous-2", emptyDir: {} },
  ]);
  // 30080 lies in the node port range: asked for as is. The loopback-only port is not published; the range is.
  assert.deepEqual(spec(find(t, "Service", "web-published")).ports, [
    { name: "tcp-30080", port: 30080, targetPort: 80, protocol: "TCP", nodePort: 30080 },
    { name: "udp-5000", port: 5000, targetPort: 6000, protocol: "UDP" },
    { name: "udp-5001", port: 5001, targetPort: 6001, protocol: "UDP" },
  ]);
  assert.match(t.notes.find((n) => n.path === "services.web.ports[1]")!.message, /kept private/);
  // The headless Service names every port the container has, exposed ones included.
  assert.deepEqual(spec(find(t, "Service", "web")).ports.map((p: { name: string }) => p.name), ["tcp-80", "tcp-9000", "udp-6000", "udp-6001", "tcp-8443"]);
  assert.deepEqual(t.unsupported.map((u) => [u.path, u.key]), [
    ["volumes.cache.driver", "driver"],
    ["services.web.cap_add", "cap_add"],
    ["services.web.deploy.resources.limits.pids", "pids"],
    ["services.web.deploy.placement", "placement"],
  ]);
});

test("refusals name the field: a bad port, a missing image, an undeclared volume, an unknown dependency, a bad name, YAML errors with their line", () => {
  const cases: Array<[string, RegExp]> = [
    ["services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n      - \"http:80\"\n", /^services\.web\.ports\[1\]: "http:80": the published port must be a port/],
    ["services:\n  web:\n    build: .\n", /^services\.web\.image: required: build: is not supported/],
    ["services:\n  web:\n    image: nginx\n    volumes: [\"data:/data\"]\n", /^services\.web\.volumes\[0\]: refers to the volume "data", which the file's top-level volumes: does not declare/],
    ["services:\n  web:\n    image: nginx\n    depends_on: [db]\n", /^services\.web\.depends_on: depends on "db", which is not a service/],
    ["services:\n  My_App:\n    image: nginx\n", /^services\.My_App: the service name must be a DNS label/],
    ["services:\n  web:\n    image: nginx\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: often\n", /^services\.web\.healthcheck\.interval: "often" is not a duration/],
    ["services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n        limits:\n          memory: lots\n", /^services\.web\.deploy\.resources\.limits\.memory: "lots" is not a size/],
    ["services:\n  web:\n    image: ${TAG:?set TAG first}\n", /^services\.web\.image: required variable TAG is missing a value: set TAG first/],
    ["services:\n  web:\n    image: nginx\n    env_file: web.env\n", /^services\.web\.env_file: web\.env: its content was not given/],
    ["services:\n  web:\n    image: nginx\n  web:\n    image: httpd\n", /^compose file: line 4, column 3: Map keys must be unique/],
    ["services: [web]\n", /^services: required: a mapping of at least one service/],
    ["- just\n- a list\n", /^compose file: the file must be a mapping/],
  ];
  for (const [file, message] of cases) {
    const e = refusal(() => translate(file));
    assert.equal(e.code, "unprocessable", file);
    assert.match(e.message, message, file);
  }
});

test("env files: compose's syntax; interpolation: compose's forms", () => {
  const env = parseEnvFile('# comment\nA=1\nexport B="two words"\nC=\'lit $x\'\nD=plain # trailing\nE="multi\nline"\nNOVALUE\n9BAD=x\n');
  assert.deepEqual([...env.values], [["A", "1"], ["B", "two words"], ["C", "lit $x"], ["D", "plain"], ["E", "multi\nline"]]);
  assert.equal(env.problems.length, 2);
  const vars = new Map([["SET", "v"], ["EMPTY", ""]]);
  assert.equal(interpolate("${SET}-$SET-$$SET-${UNSET:-d}-${EMPTY:-d}-${EMPTY-d}-${SET:+alt}-${UNSET+alt}", vars).value, "v-v-$SET-d-d--alt-");
  assert.deepEqual(interpolate("a${UNSET}b", vars), { value: "ab", unset: ["UNSET"] });
  assert.equal(interpolate("${UNSET:-${SET}}", vars).value, "v");
  assert.match(interpolate("${EMPTY:?needed}", vars).error!, /required variable EMPTY/);
  assert.equal(durationSeconds("1m30s"), 90);
  assert.equal(durationSeconds("500ms"), 1);
  assert.equal(durationSeconds("10"), null);
  assert.equal(cpuQuantity("1.5"), "1500m");
  assert.equal(cpuQuantity(2), "2");
  assert.equal(memoryQuantity("1g"), "1Gi");
  assert.equal(memoryQuantity("1.5gb"), "1536Mi");
  assert.equal(memoryQuantity(1000), "1000");
  assert.deepEqual(shellWords(`sh -c 'echo "hi there"' a\\ b`), ["sh", "-c", 'echo "hi there"', "a b"]);
});

test("YAML anchors and merge keys of x- extension fields, as many published files share settings", () => {
  const t = translate(`
x-common: &common
  restart: unless-stopped
  environment:
    TZ: Europe/Paris
  x-note: shared
services:
  one:
    <<: *common
    image: busybox
  two:
    <<: *common
    image: busybox
    environment:
      TZ: UTC
`);
  assertValidObjects(t);
  assert.deepEqual(container(t, "one").env, [{ name: "TZ", value: "Europe/Paris" }]);
  assert.deepEqual(container(t, "two").env, [{ name: "TZ", value: "UTC" }]);
  assert.deepEqual(t.unsupported, []);
  assert.deepEqual(t.notes.filter((n) => n.path.includes("x-")).map((n) => n.path), ["x-common", "services.one.x-note", "services.two.x-note"]);
});

test("names that would collide: a service named as another's published Service is refused; env files whose names read alike get ConfigMaps of their own", () => {
  const e = refusal(() => translate("services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n  web-published:\n    image: nginx\n"));
  assert.match(e.message, /^services\.web-published: its Service web-published has the name of service web's: rename one of them/);
  const t = translate("services:\n  web:\n    image: nginx\n    env_file: [.env, _env]\n", { envFiles: { ".env": "A=1\n", "_env": "B=2\n" } });
  assertValidObjects(t);
  assert.deepEqual(container(t, "web").envFrom, [{ configMapRef: { name: "demo-env-env" } }, { configMapRef: { name: "demo-env-env-2" } }]);
});
