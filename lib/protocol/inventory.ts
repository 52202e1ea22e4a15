// The inventory's wire format: a host's containers and images, sent by its agent in bounded pages. A sync is a run of
// pages with one id, numbered from 0, the last one flagged; the control plane writes each page as one small
// transaction and holds the host "syncing" until the last page is in, then drops whatever that sync did not report.
// Every page stays far below the socket's 1 MB message limit whatever the host holds: each entry is bounded first
// (labels, command, ports and tags beyond their budget are left out and counted, as inspect still shows them), then
// entries are packed into pages by count and by bytes. Both ends import this file, so it stays free of server imports.
import { z } from "zod";
import type { ContainerSummary, ImageSummary } from "./commands";

/** A page's JSON is at most this many bytes (the socket refuses messages over 1,000,000). */
export const INVENTORY_PAGE_BYTES = 256 << 10;
/** At most this many containers and images in one page: one page is one short transaction. */
export const INVENTORY_PAGE_ITEMS = 200;
/** A container's labels, keys and values, count at most this many UTF-8 bytes in the inventory. */
export const INVENTORY_LABEL_BYTES = 32 << 10;
export const INVENTORY_COMMAND_CHARS = 4096;
export const INVENTORY_PORTS = 512;
export const INVENTORY_IMAGE_REFS = 128;

/** The UTF-8 length of a string, without encoding it (this file runs in the agent, the server and the browser). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
const utf8 = utf8Length;
/** The bytes a string map's keys and values take (labels, env). */
export const mapBytes = (m: Record<string, string>) => Object.entries(m).reduce((n, [k, v]) => n + utf8(k) + utf8(v), 0);
const labelsBytes = mapBytes;

const Text = (max: number) => z.string().max(max);
const Time = z.string().max(64).refine((t) => !Number.isNaN(Date.parse(t)), "not a date");

export const InventoryContainer = z
  .object({
    id: z.string().min(1).max(128),
    name: Text(256),
    image: Text(1024),
    imageId: Text(256),
    command: Text(INVENTORY_COMMAND_CHARS + 1),
    state: Text(32),
    createdAt: Time,
    startedAt: Time.nullable(),
    finishedAt: Time.nullable(),
    exitCode: z.number().int().nullable(),
    labels: z
      .record(z.string().max(INVENTORY_LABEL_BYTES), z.string().max(INVENTORY_LABEL_BYTES))
      .refine((l) => labelsBytes(l) <= INVENTORY_LABEL_BYTES, `labels take at most ${INVENTORY_LABEL_BYTES} bytes in the inventory`),
    /** Labels left out to stay within INVENTORY_LABEL_BYTES (inspect has them all). */
    labelsOmitted: z.number().int().min(0).optional(),
    ports: z
      .array(z.object({ container: z.number().int(), protocol: Text(8), host: z.number().int().nullable(), hostIp: Text(64).nullable() }).strict())
      .max(INVENTORY_PORTS),
    portsOmitted: z.number().int().min(0).optional(),
  })
  .strict();
export type InventoryContainer = z.infer<typeof InventoryContainer>;

export const InventoryImage = z
  .object({
    id: z.string().min(1).max(256),
    repoTags: z.array(Text(512)).max(INVENTORY_IMAGE_REFS),
    repoDigests: z.array(Text(512)).max(INVENTORY_IMAGE_REFS),
    sizeBytes: z.number().nonnegative(),
    createdAt: Time.nullable(),
  })
  .strict();
export type InventoryImage = z.infer<typeof InventoryImage>;

/** agent → server "inventory.page", acknowledged once recorded. */
export const InventoryPage = z
  .object({
    /** The same for every page of one sync; a page of an older sync than the host's latest is refused. */
    syncId: z.string().min(1).max(64),
    index: z.number().int().min(0).max(1_000_000),
    last: z.boolean(),
    containers: z.array(InventoryContainer).max(INVENTORY_PAGE_ITEMS),
    images: z.array(InventoryImage).max(INVENTORY_PAGE_ITEMS),
  })
  .strict()
  .refine((p) => p.containers.length + p.images.length <= INVENTORY_PAGE_ITEMS, `a page holds at most ${INVENTORY_PAGE_ITEMS} containers and images`);
export type InventoryPage = z.infer<typeof InventoryPage>;

/** A container as the inventory carries it: what does not fit its budget is left out and counted. */
export function boundContainer(c: ContainerSummary): InventoryContainer {
  const labels: Record<string, string> = {};
  let bytes = 0;
  let labelsOmitted = 0;
  // Smallest first: as many labels as fit are kept, the few huge ones are the ones left out.
  const entries = Object.entries(c.labels).sort(([ak, av], [bk, bv]) => utf8(ak) + utf8(av) - (utf8(bk) + utf8(bv)) || (ak < bk ? -1 : 1));
  for (const [k, v] of entries) {
    const n = utf8(k) + utf8(v);
    if (bytes + n > INVENTORY_LABEL_BYTES) {
      labelsOmitted++;
      continue;
    }
    labels[k] = v;
    bytes += n;
  }
  const portsOmitted = Math.max(0, c.ports.length - INVENTORY_PORTS);
  return {
    id: c.id,
    name: c.name.slice(0, 256),
    image: c.image.slice(0, 1024),
    imageId: c.imageId.slice(0, 256),
    command: c.command.length > INVENTORY_COMMAND_CHARS ? `${c.command.slice(0, INVENTORY_COMMAND_CHARS)}…` : c.command,
    state: c.state.slice(0, 32),
    createdAt: c.createdAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    exitCode: c.exitCode,
    labels,
    ...(labelsOmitted ? { labelsOmitted } : {}),
    ports: c.ports.slice(0, INVENTORY_PORTS).map((p) => ({ ...p, protocol: p.protocol.slice(0, 8), hostIp: p.hostIp?.slice(0, 64) ?? null })),
    ...(portsOmitted ? { portsOmitted } : {}),
  };
}

export function boundImage(i: ImageSummary): InventoryImage {
  const refs = (r: string[]) => r.filter((x) => x.length <= 512).slice(0, INVENTORY_IMAGE_REFS);
  return { id: i.id, repoTags: refs(i.repoTags), repoDigests: refs(i.repoDigests), sizeBytes: Math.max(0, i.sizeBytes), createdAt: i.createdAt };
}

/** Splits a snapshot into the pages of one sync: each within INVENTORY_PAGE_ITEMS entries and INVENTORY_PAGE_BYTES. */
export function inventoryPages(inv: { containers: ContainerSummary[]; images: ImageSummary[] }, syncId: string): InventoryPage[] {
  const pages: InventoryPage[] = [];
  let page: InventoryPage = { syncId, index: 0, last: false, containers: [], images: [] };
  const envelope = utf8(JSON.stringify(page)) + 64;
  let bytes = envelope;
  const add = (kind: "containers" | "images", entry: InventoryContainer | InventoryImage) => {
    const n = utf8(JSON.stringify(entry)) + 1;
    if (page.containers.length + page.images.length >= INVENTORY_PAGE_ITEMS || (bytes + n > INVENTORY_PAGE_BYTES && bytes > envelope)) {
      pages.push(page);
      page = { syncId, index: pages.length, last: false, containers: [], images: [] };
      bytes = envelope;
    }
    (page[kind] as unknown[]).push(entry);
    bytes += n;
  };
  for (const c of inv.containers) add("containers", boundContainer(c));
  for (const i of inv.images) add("images", boundImage(i));
  pages.push(page);
  page.last = true;
  return pages;
}
