// The Kubernetes API's pure parts, on inputs kubectl's current kinds do not reach: strategic merge patch on lists
// merged by key (as Pods' containers will be), JSON patch, label and field selectors, the protobuf reader, and the
// path parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyStrategicMergePatch } from "@/lib/k8s/patch/strategic-merge-patch";
import { applyJsonPatch } from "@/lib/k8s/patch/json-patch";
import { applyMergePatch } from "@/lib/k8s/patch/merge-patch";
import { matchesLabels, parseFieldSelector, parseLabelSelector } from "@/lib/k8s/selectors";
import { decodeProtobufObject } from "@/lib/k8s/protobuf";
import { deleteOptionsProtoSchema, parseDeleteOptions } from "@/lib/k8s/delete-object";
import { parseKubePath } from "@/lib/k8s/request-path";
import { t } from "@/lib/k8s/schema";
import { configMapResource } from "@/lib/k8s/kinds/configmap";
import { podResource } from "@/lib/k8s/kinds/pod";
import { KubeError } from "@/lib/k8s/status";

const container = t.object({ name: t.string(), image: t.string(), args: t.array(t.string()) });
const podLike = t.object({
  spec: t.object({
    containers: t.array(container, undefined, { patchStrategy: "merge", mergeKey: "name" }),
    finalizers: t.array(t.string(), undefined, { patchStrategy: "merge" }),
    tolerations: t.array(t.any()),
  }),
});

test("strategic merge patch merges keyed lists by key, unions merge-set lists, replaces the rest, and honours directives", () => {
  const original = {
    spec: {
      containers: [{ name: "a", image: "a:1", args: ["x"] }, { name: "b", image: "b:1" }],
      finalizers: ["one"],
      tolerations: [{ key: "k" }],
    },
  };
  const patched = applyStrategicMergePatch(original, {
    spec: { containers: [{ name: "b", image: "b:2" }, { name: "c", image: "c:1" }], finalizers: ["two"], tolerations: [{ key: "z" }] },
  }, podLike);
  assert.deepEqual(patched, {
    spec: {
      containers: [{ name: "a", image: "a:1", args: ["x"] }, { name: "b", image: "b:2" }, { name: "c", image: "c:1" }],
      finalizers: ["one", "two"],
      tolerations: [{ key: "z" }],
    },
  });
  const deleted = applyStrategicMergePatch(original, { spec: { containers: [{ name: "a", $patch: "delete" }] } }, podLike) as typeof original;
  assert.deepEqual(deleted.spec.containers.map((c) => c.name), ["b"]);
  const replaced = applyStrategicMergePatch(original, { spec: { containers: [{ $patch: "replace" }, { name: "z", image: "z" }] } }, podLike) as typeof original;
  assert.deepEqual(replaced.spec.containers, [{ name: "z", image: "z" }]);
  const ordered = applyStrategicMergePatch(original, { spec: { "$setElementOrder/containers": [{ name: "b" }, { name: "a" }] } }, podLike) as typeof original;
  assert.deepEqual(ordered.spec.containers.map((c) => c.name), ["b", "a"]);
  const dropped = applyStrategicMergePatch(original, { spec: { "$deleteFromPrimitiveList/finalizers": ["one"] } }, podLike) as typeof original;
  assert.deepEqual(dropped.spec.finalizers, []);
  assert.throws(() => applyStrategicMergePatch(original, { spec: { containers: [{ image: "no-name" }] } }, podLike), /does not contain declared merge key: name/);
  assert.deepEqual(applyMergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null }, d: [2] }), { a: { c: 2 }, d: [2] });
});

test("strategic merge patch of a Pod by its real schema: volumes by name (a source swapped with $retainKeys), mounts by mountPath, ports by containerPort, env by name", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: {
      volumes: [{ name: "data", emptyDir: {} }, { name: "conf", configMap: { name: "c1" } }],
      containers: [{
        name: "web",
        image: "nginx",
        ports: [{ containerPort: 80, protocol: "TCP" }],
        env: [{ name: "A", value: "1" }],
        volumeMounts: [{ name: "data", mountPath: "/data" }],
      }],
    },
  };
  const patched = applyStrategicMergePatch(pod, {
    spec: {
      volumes: [{ name: "data", hostPath: { path: "/srv" }, $retainKeys: ["hostPath", "name"] }, { name: "extra", emptyDir: {} }],
      containers: [{
        name: "web",
        ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }],
        env: [{ name: "B", value: "2" }],
        volumeMounts: [{ mountPath: "/data", readOnly: true }, { name: "extra", mountPath: "/extra" }],
      }],
    },
  }, podResource.schema) as typeof pod;
  assert.deepEqual(patched.spec.volumes, [{ name: "data", hostPath: { path: "/srv" } }, { name: "conf", configMap: { name: "c1" } }, { name: "extra", emptyDir: {} }]);
  const web = patched.spec.containers[0]!;
  assert.deepEqual(web.ports, [{ containerPort: 80, protocol: "TCP", name: "http" }, { containerPort: 443 }]);
  assert.deepEqual(web.env, [{ name: "A", value: "1" }, { name: "B", value: "2" }]);
  assert.deepEqual(web.volumeMounts, [{ name: "data", mountPath: "/data", readOnly: true }, { name: "extra", mountPath: "/extra" }]);
  assert.equal(web.image, "nginx");
});

test("JSON patch: add, remove, replace, move, copy, test; the first that does not apply fails the patch", () => {
  const doc = { data: { a: "1" }, list: [1, 2] };
  assert.deepEqual(
    applyJsonPatch(doc, [
      { op: "add", path: "/data/b", value: "2" },
      { op: "add", path: "/list/-", value: 3 },
      { op: "add", path: "/list/0", value: 0 },
      { op: "remove", path: "/list/1" },
      { op: "replace", path: "/data/a", value: "one" },
      { op: "copy", from: "/data/a", path: "/data/c" },
      { op: "move", from: "/data/b", path: "/data/d" },
      { op: "test", path: "/data/d", value: "2" },
      { op: "add", path: "/data/x~1y", value: "slash" },
    ]),
    { data: { a: "one", c: "one", d: "2", "x/y": "slash" }, list: [0, 2, 3] },
  );
  assert.deepEqual(doc, { data: { a: "1" }, list: [1, 2] }, "the original is untouched");
  assert.throws(() => applyJsonPatch(doc, [{ op: "replace", path: "/data/missing", value: 1 }]), (e: KubeError) => e.code === 422 && /missing key/.test(e.message));
  assert.throws(() => applyJsonPatch(doc, [{ op: "test", path: "/data/a", value: "2" }]), /testing value \/data\/a failed/);
  assert.throws(() => applyJsonPatch(doc, { op: "add" }), (e: KubeError) => e.code === 400);
});

test("selectors parse kubectl's grammar and refuse what does not parse", () => {
  const labels = { app: "web", tier: "front", n: "7" };
  const m = (s: string) => matchesLabels(parseLabelSelector(s), labels);
  assert.ok(m("app=web,tier in (front, back)"));
  assert.ok(m("app==web,!legacy,n>5,n<8"));
  assert.ok(!m("app!=web"));
  assert.ok(m("missing notin (x)"));
  assert.ok(!m("missing in (x)"));
  assert.ok(m(""));
  assert.throws(() => parseLabelSelector("app=(web"), (e: KubeError) => e.code === 400 && /unable to parse requirement/.test(e.message));
  assert.throws(() => parseLabelSelector("a b"), (e: KubeError) => e.code === 400);
  assert.deepEqual(parseFieldSelector("metadata.name==x,metadata.namespace!=y", configMapResource), [
    { field: "metadata.name", op: "=", value: "x" },
    { field: "metadata.namespace", op: "!=", value: "y" },
  ]);
  assert.throws(() => parseFieldSelector("spec.x=1", configMapResource), /field label not supported: spec\.x/);
});

test("a protobuf body is read by the kind's field numbers; zero values are absent, map values kept", () => {
  const field = (n: number, payload: Buffer) => Buffer.concat([Buffer.from([(n << 3) | 2]), varint(payload.length), payload]);
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
      n >>>= 7;
    } while (n);
    return Buffer.from(out);
  };
  const s = (x: string) => Buffer.from(x);
  const meta = Buffer.concat([field(1, s("cm")), field(2, s("")), field(11, Buffer.concat([field(1, s("app")), field(2, s("web"))])), field(8, Buffer.alloc(0))]);
  const obj = Buffer.concat([field(1, meta), field(2, Buffer.concat([field(1, s("k")), field(2, s(""))])), field(3, Buffer.concat([field(1, s("bin")), field(2, Buffer.from([0, 1, 2]))]))]);
  const envelope = Buffer.concat([Buffer.from("k8s\0"), field(1, Buffer.concat([field(1, s("v1")), field(2, s("ConfigMap"))])), field(2, obj)]);
  assert.deepEqual(decodeProtobufObject(envelope, configMapResource.schema), {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm", labels: { app: "web" } },
    data: { k: "" },
    binaryData: { bin: "AAEC" },
  });
  assert.throws(() => decodeProtobufObject(Buffer.from("{}"), configMapResource.schema), /envelope/);
  assert.throws(() => decodeProtobufObject(Buffer.concat([Buffer.from("k8s\0"), Buffer.from([0x12, 0x50])]), configMapResource.schema), /ends inside/);
});

test("a protobuf DeleteOptions keeps a grace period of 0 (kubectl drain --grace-period=0 sends it so: at once, not the pod's default)", () => {
  const tag = (n: number, wire: number) => Buffer.from([(n << 3) | wire]);
  const field = (n: number, payload: Buffer) => Buffer.concat([tag(n, 2), Buffer.from([payload.length]), payload]);
  const options = Buffer.concat([tag(1, 0), Buffer.from([0]), field(4, Buffer.from("Background"))]);
  const envelope = Buffer.concat([Buffer.from("k8s\0"), field(1, Buffer.concat([field(1, Buffer.from("v1")), field(2, Buffer.from("DeleteOptions"))])), field(2, options)]);
  const decoded = decodeProtobufObject(envelope, deleteOptionsProtoSchema);
  assert.deepEqual(parseDeleteOptions(decoded), { gracePeriodSeconds: 0, propagationPolicy: "Background" });
});

test("paths under /k8s name documents and resources as kube-apiserver lays them out", () => {
  assert.deepEqual(parseKubePath("/api/v1/namespaces/ns/configmaps/x"), { kind: "resource", group: "", version: "v1", namespace: "ns", plural: "configmaps", name: "x", subresource: undefined });
  assert.deepEqual(parseKubePath("/api/v1/namespaces/ns"), { kind: "resource", group: "", version: "v1", plural: "namespaces", name: "ns", subresource: undefined });
  assert.deepEqual(parseKubePath("/api/v1/namespaces/ns/status"), { kind: "resource", group: "", version: "v1", plural: "namespaces", name: "ns", subresource: "status" });
  assert.deepEqual(parseKubePath("/apis/apps/v1/namespaces/ns/deployments/d/scale"), {
    kind: "resource", group: "apps", version: "v1", namespace: "ns", plural: "deployments", name: "d", subresource: "scale",
  });
  assert.deepEqual(parseKubePath("/openapi/v3/apis/apps/v1"), { kind: "openapi", group: "apps", version: "v1" });
  assert.equal(parseKubePath("/api/v1/a/b/c/d").kind, "unknown");
  assert.equal(parseKubePath("/%E0%A4%A").kind, "unknown");
});
