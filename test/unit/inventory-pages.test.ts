// The inventory's paging (lib/protocol/inventory.ts) and the agent's message bounds (agent/link.ts): whatever a host
// holds — megabytes of labels, escaped control characters, thousands of ports or containers — every page parses with
// the schema the control plane checks, stays far below the socket's 1 MB limit, and together the pages list every
// container and image once, in order; stream data is split without losing or reordering a byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { INVENTORY_PAGE_BYTES, InventoryPage, inventoryPages } from "../../lib/protocol/inventory";
import type { ContainerSummary, ImageSummary } from "../../lib/protocol/commands";
import { STREAM_MESSAGE_BYTES, splitStreamData } from "../../agent/link";

const container = (i: number, over: Partial<ContainerSummary> = {}): ContainerSummary => ({
  id: `c${i}`.padEnd(64, "0"),
  name: `c-${i}`,
  image: "busybox",
  imageId: "sha256:" + "1".repeat(64),
  command: "sh",
  state: "running",
  createdAt: "2026-01-01T00:00:00.123456789Z",
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  labels: {},
  ports: [],
  ...over,
});
const image = (i: number): ImageSummary => ({ id: `sha256:${i}`, repoTags: [`r/${i}:latest`], repoDigests: [], sizeBytes: 1000, createdAt: null });

function check(pages: ReturnType<typeof inventoryPages>) {
  pages.forEach((p, i) => {
    assert.equal(p.index, i);
    assert.equal(p.last, i === pages.length - 1);
    const bytes = Buffer.byteLength(JSON.stringify(p));
    assert.ok(bytes < 400_000, `page ${i} is ${bytes} bytes`);
    const parsed = InventoryPage.safeParse(JSON.parse(JSON.stringify(p)));
    assert.ok(parsed.success, parsed.success ? "" : JSON.stringify(parsed.error.issues.slice(0, 2)));
  });
}

test("an empty host is one last page", () => {
  const pages = inventoryPages({ containers: [], images: [] }, "s");
  assert.deepEqual(pages, [{ syncId: "s", index: 0, last: true, containers: [], images: [] }]);
});

test("megabytes of labels: each container keeps what fits, the rest is counted; every page is bounded and valid", () => {
  const huge = (ch: string) => ch.repeat(1_000_000);
  const containers = [
    container(0, { labels: { a: huge("a"), b: huge("b"), keep: "me" } }),
    // Control characters escape to six bytes each in JSON.
    container(1, { labels: { ctl: "\u0001".repeat(30_000), other: "\u0002".repeat(30_000) } }),
    container(2, { ports: Array.from({ length: 5000 }, (_, p) => ({ container: p + 1, protocol: "tcp", host: p + 1, hostIp: "0.0.0.0" })) }),
    container(3, { command: "x".repeat(100_000) }),
    ...Array.from({ length: 40 }, (_, i) => container(10 + i, { labels: { big: "y".repeat(30_000), n: String(i) } })),
  ];
  const pages = inventoryPages({ containers, images: [image(1)] }, "s");
  check(pages);
  assert.ok(pages.length > 1);
  const all = pages.flatMap((p) => p.containers);
  assert.deepEqual(all.map((c) => c.id), containers.map((c) => c.id));
  assert.deepEqual(all[0]!.labels, { keep: "me" });
  assert.equal(all[0]!.labelsOmitted, 2);
  assert.equal(all[2]!.ports.length, 512);
  assert.equal(all[2]!.portsOmitted, 5000 - 512);
  assert.ok(all[3]!.command.length <= 4097 && all[3]!.command.endsWith("…"));
  assert.equal(all[10]!.labels.n, "6");
  assert.deepEqual(pages.flatMap((p) => p.images).map((i) => i.id), ["sha256:1"]);
  for (const p of pages) assert.ok(Buffer.byteLength(JSON.stringify(p)) <= INVENTORY_PAGE_BYTES + 200_000);
});

test("thousands of small entries go 200 to a page", () => {
  const pages = inventoryPages({ containers: Array.from({ length: 1000 }, (_, i) => container(i)), images: Array.from({ length: 450 }, (_, i) => image(i)) }, "s");
  check(pages);
  assert.equal(pages.length, Math.ceil(1450 / 200));
  assert.ok(pages.every((p) => p.containers.length + p.images.length <= 200));
  assert.equal(pages.flatMap((p) => p.containers).length, 1000);
  assert.equal(pages.flatMap((p) => p.images).length, 450);
});

test("stream data is split into messages within the limit, bytes and order kept", () => {
  const big = "é".repeat(400_000) + "😀".repeat(100_000); // 800 kB + 400 kB, with surrogate pairs at the cuts
  const msg = { streamId: "s", chunks: [{ stream: "stdout" as const, data: "head\n" }, { stream: "stderr" as const, data: big }, { stream: "stdout" as const, data: "tail\n" }] };
  const parts = splitStreamData(msg);
  assert.ok(parts.length >= 5);
  for (const p of parts) assert.ok(p.chunks.reduce((n, c) => n + Buffer.byteLength(c.data), 0) <= STREAM_MESSAGE_BYTES);
  const chunks = parts.flatMap((p) => p.chunks);
  assert.equal(chunks.filter((c) => c.stream === "stderr").map((c) => c.data).join(""), big);
  assert.equal(chunks[0]!.data, "head\n");
  assert.equal(chunks.at(-1)!.data, "tail\n");
  assert.ok(chunks.every((c) => !/[\ud800-\udbff]$/.test(c.data)), "no chunk ends in half a surrogate pair");
  assert.deepEqual(splitStreamData({ streamId: "s", chunks: [{ stream: "stdout", data: "x" }] }), [{ streamId: "s", chunks: [{ stream: "stdout", data: "x" }] }]);
});
