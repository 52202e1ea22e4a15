// The apply editor's pure parts: the Kubernetes API's field paths (a Status cause's `field`) found at their line in a
// multi-document YAML text, the documents read with syntax errors and missing identity at their lines, and the
// server's bookkeeping taken out of objects before they are compared or shown as a diff.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lineOfField, parseFieldPath } from "../../lib/kube-yaml/field-line";
import { parseManifests } from "../../lib/kube-yaml/parse-manifests";
import { changeOutcome, stripNoise, toYaml } from "../../lib/kube-yaml/strip-noise";
import { statusProblems } from "../../lib/kube-yaml/status-problems";

const MULTI = `# a namespace, a config map and a deployment
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
  annotations:
    example.com/owner.team: payments
data:
  mode: fast
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: -1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: sidecar
          image: busybox
        - name: Bad_Name
          image: busybox
          env:
            - name: A
              value: "1"
          ports:
            - containerPort: 8080
`;

test("a field path is read as field.Path writes it: names, [index] and [map key] with dots and slashes", () => {
  assert.deepEqual(parseFieldPath("spec.template.spec.containers[0].image"), ["spec", "template", "spec", "containers", 0, "image"]);
  assert.deepEqual(parseFieldPath("metadata.annotations[example.com/owner.team]"), ["metadata", "annotations", "example.com/owner.team"]);
  assert.deepEqual(parseFieldPath("spec.containers[1].env[0].value"), ["spec", "containers", 1, "env", 0, "value"]);
  assert.deepEqual(parseFieldPath("replicas"), ["replicas"]);
  assert.deepEqual(parseFieldPath(""), []);
});

test("a Status cause's field lands on the line of that key in its own document of a multi-document text", () => {
  const { manifests, problems, lineCounter } = parseManifests(MULTI);
  assert.deepEqual(problems, []);
  assert.deepEqual(manifests.map((m) => [m.index, m.line, m.object.kind]), [[1, 2, "Namespace"], [2, 7, "ConfigMap"], [3, 17, "Deployment"]]);
  const [, cm, deploy] = manifests;
  const at = (m: typeof deploy, path: string) => lineOfField(m!.doc, lineCounter, path);
  assert.deepEqual(at(deploy, "spec.replicas"), { line: 23, exact: true, found: "spec.replicas" });
  assert.equal(at(deploy, "spec.template.spec.containers[0].name").line, 32);
  assert.equal(at(deploy, "spec.template.spec.containers[1].name").line, 34);
  assert.equal(at(deploy, "spec.template.spec.containers[1].image").line, 35);
  assert.equal(at(deploy, "spec.template.spec.containers[1].env[0].value").line, 38);
  assert.equal(at(deploy, "spec.template.spec.containers[1].ports[0].containerPort").line, 40);
  assert.equal(at(deploy, "spec.selector.matchLabels[app]").line, 25, "a key inside a flow mapping");
  assert.equal(at(deploy, ".spec.replicas").line, 23, "server-side apply's conflicts name fields with a leading dot");
  assert.equal(at(cm, "metadata.annotations[example.com/owner.team]").line, 13);
  assert.equal(at(cm, "data.mode").line, 15);
  assert.equal(at(cm, "metadata.name").line, 10);
});

test("a Status's causes become problems at their fields' lines; one without causes at its document or its namespace", () => {
  const { manifests, lineCounter } = parseManifests(MULTI);
  const [, cm, deploy] = manifests;
  // As kube-apiserver answers a Deployment with two invalid fields (422, reason Invalid).
  const invalid = {
    message: 'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[1].name: Invalid value: "Bad_Name": …]',
    causes: [
      { reason: "FieldValueInvalid", field: "spec.replicas", message: "Invalid value: -1: must be greater than or equal to 0" },
      { reason: "FieldValueInvalid", field: "spec.template.spec.containers[1].name", message: 'Invalid value: "Bad_Name": a lowercase RFC 1123 label …' },
      { reason: "FieldValueRequired", field: "spec.template.spec.containers[1].resources.limits.cpu", message: "Required value" },
    ],
  };
  assert.deepEqual(statusProblems(deploy!, lineCounter, invalid), [
    { index: 3, line: 23, message: "document 3 (Deployment web): spec.replicas: Invalid value: -1: must be greater than or equal to 0" },
    { index: 3, line: 34, message: 'document 3 (Deployment web): spec.template.spec.containers[1].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label …' },
    { index: 3, line: 34, message: "document 3 (Deployment web): spec.template.spec.containers[1].resources.limits.cpu: Required value (not in the text; shown at spec.template.spec.containers[1])" },
  ]);
  // Server-side apply's conflict names fields with a leading dot.
  assert.deepEqual(statusProblems(cm!, lineCounter, { message: "Apply failed with 1 conflict", causes: [{ reason: "FieldManagerConflict", field: ".data.mode", message: 'conflict with "kubectl-edit"' }] }, { labelled: false }), [
    { index: 2, line: 15, message: 'data.mode: conflict with "kubectl-edit"' },
  ]);
  // A dry run made under generateName answers for the name the user wrote.
  assert.equal(statusProblems(cm!, lineCounter, { message: "x", causes: [{ field: "metadata.generateName", message: "Invalid value" }] }, { rename: (f) => (f === "metadata.generateName" ? "metadata.name" : f) })[0]!.line, 10);
  assert.deepEqual(statusProblems(cm!, lineCounter, { message: 'namespaces "shop" not found', causes: [] }), [{ index: 2, line: 11, message: 'document 2 (ConfigMap settings): namespaces "shop" not found' }]);
  assert.deepEqual(statusProblems(deploy!, lineCounter, { message: "the server is busy", causes: [{ field: "<nil>", message: "?" }] }), [{ index: 3, line: 17, message: "document 3 (Deployment web): the server is busy" }]);
});

test("a field the text does not have lands on the deepest part it has, and says so", () => {
  const { manifests, lineCounter } = parseManifests(MULTI);
  const deploy = manifests[2]!;
  assert.deepEqual(lineOfField(deploy.doc, lineCounter, "spec.template.spec.containers[1].resources.limits"), { line: 34, exact: false, found: "spec.template.spec.containers[1]" });
  assert.deepEqual(lineOfField(deploy.doc, lineCounter, "spec.template.spec.containers[5].name"), { line: 31, exact: false, found: "spec.template.spec.containers" });
  assert.deepEqual(lineOfField(deploy.doc, lineCounter, "spec.strategy.type"), { line: 22, exact: false, found: "spec" });
  assert.deepEqual(lineOfField(deploy.doc, lineCounter, "status.replicas"), { line: 17, exact: false, found: "" });
});

test("syntax errors and documents without identity are reported at their lines; empty documents are skipped", () => {
  const bad = parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n  namespace: x\n");
  assert.equal(bad.manifests.length, 1);
  assert.equal(bad.problems.length > 0, true);
  assert.equal(bad.problems[0]!.index, 2);
  assert.ok(bad.problems[0]!.line >= 9 && bad.problems[0]!.line <= 11, `syntax error at line ${bad.problems[0]!.line}`);
  assert.match(bad.problems[0]!.message, /^YAML syntax error: /);

  const quote = parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  a: "never closed\n  b: c\n');
  assert.deepEqual(quote.problems.map((p) => [p.line, p.message]), [[6, 'YAML syntax error: Missing closing "quote']], "at the quote that opened it, not where the text ends");

  const dup = parseManifests("apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: a\n");
  assert.equal(dup.problems[0]!.line, 3, "a duplicated key is an error at the duplicate");

  const missing = parseManifests("---\n# nothing\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n---\n- just a list\n---\n");
  assert.deepEqual(missing.manifests, []);
  assert.deepEqual(missing.problems.map((p) => [p.index, p.line, p.message.split(":")[0]]), [[1, 6, "metadata.name"], [2, 9, "a document must be a Kubernetes object (a mapping with apiVersion, kind and metadata)"]]);
  const noKind = parseManifests("apiVersion: v1\nmetadata:\n  name: x\n");
  assert.deepEqual(noKind.problems.map((p) => [p.line, p.message]), [[1, "kind: Required value: the object's kind, e.g. Deployment"]]);
});

const live = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "shop",
    uid: "6f1c",
    resourceVersion: "812",
    generation: 3,
    creationTimestamp: "2026-12-07T10:00:00Z",
    labels: { app: "web" },
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}" },
    managedFields: [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:spec": {} } }],
  },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "web", image: "busybox" }] } } },
  status: { replicas: 2, readyReplicas: 1, observedGeneration: 3 },
};

test("the server's bookkeeping is taken out, and nothing else", () => {
  const clean = stripNoise(live);
  assert.deepEqual(clean, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", labels: { app: "web" } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: "web", image: "busybox" }] } } },
  });
  assert.equal(live.metadata.resourceVersion, "812", "the input is left as it was");
  assert.ok(live.status);
  const withOther = stripNoise({ ...live, metadata: { ...live.metadata, annotations: { a: "1", "kubectl.kubernetes.io/last-applied-configuration": "{}" } } });
  assert.deepEqual(withOther.metadata.annotations, { a: "1" });
  assert.doesNotMatch(toYaml(clean), /managedFields|resourceVersion|status|uid/);
});

test("a dry run that only moves the bookkeeping is unchanged; a spec change is changed; no live object is created", () => {
  const dryRun = structuredClone(live);
  dryRun.metadata.resourceVersion = "813";
  dryRun.metadata.generation = 4;
  dryRun.metadata.managedFields.push({ manager: "gantry-dashboard", operation: "Apply", fieldsV1: { "f:spec": {} } });
  dryRun.status.readyReplicas = 2;
  // The server may answer keys in another order: that is not a change either.
  const reordered = { kind: dryRun.kind, apiVersion: dryRun.apiVersion, spec: dryRun.spec, metadata: dryRun.metadata, status: dryRun.status };
  assert.equal(changeOutcome(live, reordered), "unchanged");
  const scaled = structuredClone(dryRun);
  scaled.spec.replicas = 3;
  assert.equal(changeOutcome(live, scaled), "changed");
  assert.equal(changeOutcome(null, scaled), "created");
});
