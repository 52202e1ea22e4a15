// The CLI's YAML (cli/kube/yaml.ts): manifests read as kubectl's go-yaml v2 reads them — the values apply sends —
// broken documents reported with their line and column while the others are still read, and `-o yaml` written so
// that it reads back as the same data (kubectl itself reads it in test/cli/kube.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseYamlStream, readYamlDocuments, toYaml } from "../../cli/kube/yaml";

const one = (text: string) => {
  const docs = parseYamlStream(text);
  assert.equal(docs.length, 1, `one document in ${JSON.stringify(text)}`);
  return docs[0]!.value;
};

test("a Deployment as people write it: nested maps, sequences under their key or indented, flow style, comments", () => {
  const text = `# web
apiVersion: apps/v1   # the group
kind: Deployment
metadata:
  name: web
  labels: {app: web, "tier": 'front'}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    spec:
      containers:
      - name: web
        image: "nginx:1.25"
        args: [--port, "8080", -v]
        ports:
          - containerPort: 80
            protocol: TCP
      - name: side
        command:
        - sh
        - -c
        env: []
`;
  assert.deepEqual(one(text), {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web", tier: "front" } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        spec: {
          containers: [
            { name: "web", image: "nginx:1.25", args: ["--port", "8080", "-v"], ports: [{ containerPort: 80, protocol: "TCP" }] },
            { name: "side", command: ["sh", "-c"], env: [] },
          ],
        },
      },
    },
  });
});

test("scalars resolve as in YAML 1.1 (go-yaml v2, kubectl's reader): yes/no/on/off/y/n, octal, hex, underscores; quoted text stays text", () => {
  assert.deepEqual(one("[yes, No, ON, off, y, N, true, ~, null, '', 010, 0o17, 0x1F, 0b101, 1_000, 08, 1e3, .5, -7, +12, 3.25]"), [
    true, false, true, false, true, false, true, null, null, "", 8, 15, 31, 5, 1000, 8, 1000, 0.5, -7, 12, 3.25,
  ]);
  assert.deepEqual(one(`["yes", 'no', "010", 2001-12-14, 2001-12-14t21:59:43.10-05:00, 1.2.3, 0x, +.5e1, v1]`), [
    "yes", "no", "010", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1.2.3", "0x", 5, "v1",
  ]);
  // Keys are text in JSON: a key that reads as a number or a boolean becomes its text, as sigs.k8s.io/yaml makes it.
  assert.deepEqual(one("1: a\non: b\n0x10: c\n"), { "1": "a", true: "b", "16": "c" });
  assert.deepEqual(one("a: !!str 123\nb: !!int '42'\nc: !!float 1\nd: !!bool yes\ne: ! 12\n"), { a: "123", b: 42, c: 1, d: true, e: "12" });
});

test("block scalars (literal, folded, chomping, indentation indicator), quoted strings over lines and escapes", () => {
  const text = `literal: |
  line one
    indented
  # not a comment

  last
folded: >
  one
  two

  three
    kept as is
  back
strip: |-
  no newline
keep: |+
  two newlines

clip_empty: |
indicator: |2
   starts with a space
dq: "tab\\t é=\\u00e9 \\x41 \\"q\\" \\\\ \\U0001F600"
sq: 'it''s'
over: "first
  second

  third"
joined: "no\\
  space"
plain: this is
  one plain scalar
url: http://h:8080/a#b
comment: value # gone
`;
  assert.deepEqual(one(text), {
    literal: "line one\n  indented\n# not a comment\n\nlast\n",
    folded: "one two\nthree\n  kept as is\nback\n",
    strip: "no newline",
    keep: "two newlines\n\n",
    clip_empty: "",
    indicator: " starts with a space\n",
    dq: 'tab\t é=é A "q" \\ 😀',
    sq: "it's",
    over: "first second\nthird",
    joined: "nospace",
    plain: "this is one plain scalar",
    url: "http://h:8080/a#b",
    comment: "value",
  });
});

test("a block scalar at the very end of a stream with no final line break keeps no break it does not have", () => {
  const cases: Array<[string, string]> = [
    ["a: |\n  x", "x"],
    ["a: |\n  x\n", "x\n"],
    ["a: |+\n  x", "x"],
    ["a: |+\n  x\n", "x\n"],
    ["a: |+\n  x\n\n", "x\n\n"],
    ["a: >\n  x\n  y", "x y"],
    ["a: |+\n  x\n...", "x\n"],
  ];
  for (const [text, value] of cases) assert.deepEqual(one(text), { a: value }, JSON.stringify(text));
});

test("anchors, aliases and merge keys, within a document", () => {
  const text = `base: &base
  app: web
  tier: front
list: &l [a, b]
copy: *base
labels:
  <<: *base
  tier: back
two:
  <<: [*base, {extra: x}]
again: *l
`;
  assert.deepEqual(one(text), {
    base: { app: "web", tier: "front" },
    list: ["a", "b"],
    copy: { app: "web", tier: "front" },
    labels: { app: "web", tier: "back" },
    two: { app: "web", tier: "front", extra: "x" },
    again: ["a", "b"],
  });
});

test("several documents: empty ones left out, each with the line it starts on, JSON as a document", () => {
  const docs = readYamlDocuments(`# header
---
a: 1
---
# only a comment
---

---
{"b": [true, null, "x"], "c": {"d": 1.5}}
...
%YAML 1.1
--- |
  text
`);
  assert.deepEqual(docs.map((d) => [d.line, d.value]), [
    [3, { a: 1 }],
    [9, { b: [true, null, "x"], c: { d: 1.5 } }],
    [12, "text\n"],
  ]);
});

test("a broken document is reported with its line and column; the documents around it are still read", () => {
  const docs = readYamlDocuments("a: 1\n---\nb:\n  c: 1\n d: 2\n---\ne: 3\n");
  assert.deepEqual(docs[0]!.value, { a: 1 });
  assert.equal(docs[1]!.error?.message, "line 5, column 2: bad indentation of a mapping entry");
  assert.deepEqual(docs[2]!.value, { e: 3 });

  const errors: Array<[string, string]> = [
    ["a: b: c", "line 1, column 5: mapping values are not allowed in this context"],
    ["a: [1, 2", "line 1, column 4: a flow collection is not closed"],
    ["a: 'open", "line 1, column 4: a quoted string is not closed (')"],
    ['a: "\\q"', 'line 1, column 5: unknown escape sequence "\\q" in a double-quoted string'],
    ["a: 1\na: 2", 'line 2, column 1: mapping key "a" already defined at line 1'],
    ["a: {b: 1, b: 2}", 'line 1, column 11: mapping key "b" already defined'],
    ["a:\n\tb: 1", "line 2, column 1: a tab character is not allowed in indentation"],
    ["a: *nowhere", 'line 1, column 4: unknown anchor "nowhere" referenced'],
    ["a: !Ref x", "line 1, column 4: the tag !Ref is not supported (only the standard !!str, !!int, !!float, !!bool, !!null, !!map, !!seq, !!binary, !!timestamp)"],
    ["? complex\n: key", "line 1, column 1: complex mapping keys (`? key`) are not supported"],
    ["- a\nb: 1", "line 2, column 1: unexpected content after the document's top-level node (check its indentation)"],
    ["a:\n  - x\n  y: 1", "line 3, column 3: bad indentation of a mapping entry"],
    ["a: |\n    four\n  two", "line 3, column 3: bad indentation in a block scalar"],
    ["containers:\n  - name: web\n    image: nginx\n     ports: []", "line 4, column 11: mapping values are not allowed in this context"],
    ["a: .inf", "line 1, column 4: .inf is not a number JSON can carry"],
    ["~: x", 'line 1, column 1: a mapping key cannot be null (write "~" in quotes for the text)'],
    ["%TAG ! tag:example.com,2000:\n---\na: 1", "line 1, column 1: the directive %TAG is not supported"],
  ];
  for (const [text, message] of errors) assert.throws(() => parseYamlStream(text), { name: "YamlError", message }, JSON.stringify(text));
});

test("-o yaml output reads back as the same data: text that would read as something else is quoted, multi-line text is a literal block", () => {
  const value = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "x", uid: "1c84380b-55d0-4277-ab02-25e608ca95b2", labels: { "app.kubernetes.io/name": "web" }, annotations: {} },
    data: {
      yes: "yes", on: "on", y: "y", nul: "null", tilde: "~", empty: "", num: "010", hex: "0x1F", float: "1e3", under: "1_000", sexa: "1:20",
      date: "2001-12-14", colon: "a: b", hash: "a #b", lead: " x", trail: "x ", dash: "- x", star: "*x", quote: "'q'", tab: "a\tb",
      script: "#!/bin/sh\necho hi\n\nexit 0\n", strip: "a\nb", keep: "a\n\n", spaced: "  indented\nfirst", cr: "a\r\nb",
    },
    nums: [1, -2.5, 0, 1e21],
    flags: [true, false, null],
    nested: [[1, 2], [], {}, [{ a: [{ b: 1 }] }]],
  };
  const text = toYaml(value);
  assert.deepEqual(parseYamlStream(text)[0]!.value, value);
  assert.match(text, /^apiVersion: v1\ndata:\n/, "keys sorted, as kubectl prints them");
  assert.match(text, /\n {2}uid: 1c84380b-55d0-4277-ab02-25e608ca95b2\n/);
  assert.match(text, /\n {2}"yes": "yes"\n/, "a key that would read as true is quoted too");
  assert.match(text, /\n {2}num: "010"\n/);
  assert.match(text, /\n {2}script: \|\n {4}#!\/bin\/sh\n {4}echo hi\n\n {4}exit 0\n/);
  assert.match(text, /\n {2}strip: \|-\n {4}a\n {4}b\n/);
  assert.match(text, /\nnested:\n- - 1\n {2}- 2\n- \[\]\n- \{\}\n- - a:\n {4}- b: 1\n/);
  assert.equal(toYaml({}), "{}\n");
});
