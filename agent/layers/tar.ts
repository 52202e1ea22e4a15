// A streaming tar reader and writer (POSIX ustar + pax extended headers, GNU long names on read), enough for OCI
// layers: regular files, directories, symlinks, hardlinks, devices, fifos, xattrs (SCHILY.xattr.*), owners and
// mtimes. The reader never trusts the archive: checksums are verified, sizes bounded, truncation detected, and
// every failure is a LayerError naming the entry and byte offset.
import { LayerError } from "../../lib/oci/errors";

export type TarEntryType = "file" | "hardlink" | "symlink" | "chardev" | "blockdev" | "directory" | "fifo";

export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch, fractional when a pax header carried it. */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes by name ("user.x", "security.capability", …). */
  xattrs: Record<string, Buffer>;
}

export interface TarEntry {
  header: TarHeader;
  /** Offset of this entry's header in the archive (for error messages). */
  offset: number;
}

const BLOCK = 512;
const MAX_META = 1 << 20; // pax/GNU long-name records above 1 MiB are refused (a hostile archive could ask for GBs)
const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "chardev",
  "4": "blockdev",
  "5": "directory",
  "6": "fifo",
};
const TYPE_FLAGS: Record<TarEntryType, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  chardev: "3",
  blockdev: "4",
  directory: "5",
  fifo: "6",
};

/** Pulls exact byte counts out of an async stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  offset = 0;
  constructor(private readonly source: AsyncIterator<Buffer | Uint8Array | string>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.done) {
      const r = await this.source.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array);
      if (b.length) {
        this.chunks.push(b);
        this.buffered += b.length;
      }
    }
    return this.buffered >= n;
  }

  /** Exactly n bytes, or fewer only at end of input (the caller decides whether that is truncation). */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const take = Math.min(n, this.buffered);
    const out = Buffer.allocUnsafe(take);
    let pos = 0;
    while (pos < take) {
      const c = this.chunks[0];
      const k = Math.min(c.length, take - pos);
      c.copy(out, pos, 0, k);
      pos += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= take;
    this.offset += take;
    return out;
  }

  /** Hands out the next n bytes chunk by chunk (no copy); returns the count delivered (< n when input ended). */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill(1))) return;
      const c = this.chunks[0];
      const k = Math.min(c.length, left);
      const piece = k === c.length ? c : c.subarray(0, k);
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
      this.buffered -= k;
      this.offset += k;
      left -= k;
      yield piece;
    }
  }

  async drain() {
    while (!this.done) {
      const r = await this.source.next();
      if (r.done) this.done = true;
    }
  }
}

function cstring(buf: Buffer, start: number, end: number): string {
  const slice = buf.subarray(start, end);
  const nul = slice.indexOf(0);
  return (nul >= 0 ? slice.subarray(0, nul) : slice).toString("utf8");
}

function numeric(buf: Buffer, start: number, end: number, field: string, name: string): number {
  const slice = buf.subarray(start, end);
  if (slice[0] & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit as marker.
    if (slice[0] === 0xff) throw new LayerError(`negative ${field} in header`, name);
    let v = slice[0] & 0x7f;
    for (let i = 1; i < slice.length; i++) {
      v = v * 256 + slice[i];
      if (v > Number.MAX_SAFE_INTEGER) throw new LayerError(`${field} out of range`, name);
    }
    return v;
  }
  const text = cstring(buf, start, end).replace(/ /g, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new LayerError(`corrupt tar: ${field} "${text}" is not an octal number`, name);
  return parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = cstring(block, 148, 156).trim();
  if (!/^[0-7]+$/.test(stored)) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const want = parseInt(stored, 8);
  return want === unsigned || want === signed;
}

function parsePax(data: Buffer, name: string): Record<string, string | Buffer> {
  const out: Record<string, string | Buffer> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space < 0) throw new LayerError("corrupt tar: malformed pax record", name);
    const len = Number(data.subarray(pos, space).toString("ascii"));
    if (!Number.isInteger(len) || len <= space - pos + 1 || pos + len > data.length) {
      throw new LayerError("corrupt tar: malformed pax record length", name);
    }
    const record = data.subarray(space + 1, pos + len - 1); // drop trailing "\n"
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw new LayerError("corrupt tar: pax record without '='", name);
    const key = record.subarray(0, eq).toString("utf8");
    // xattr values are binary; everything else is UTF-8.
    out[key] = key.startsWith("SCHILY.xattr.") ? Buffer.from(record.subarray(eq + 1)) : record.subarray(eq + 1).toString("utf8");
    pos += len;
  }
  return out;
}

/**
 * Reads a tar stream entry by entry. For each entry, `onEntry` gets the header and an async iterable over its
 * body; it must consume the body (or not: unread bytes are skipped). Throws LayerError on a corrupt or truncated
 * archive. Returns the number of archive bytes read.
 */
export async function readTar(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  onEntry: (entry: TarEntry, body: AsyncIterable<Buffer>) => Promise<void>,
): Promise<number> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  let globalPax: Record<string, string | Buffer> = {};
  let pax: Record<string, string | Buffer> = {};
  let longName: string | null = null;
  let longLink: string | null = null;
  let lastName = "(start of archive)";
  let sawEntry = false;

  for (;;) {
    const offset = reader.offset;
    const block = await reader.read(BLOCK);
    if (block.length === 0) {
      if (!sawEntry) throw new LayerError("corrupt tar: the archive is empty");
      // Archives ending without the two zero blocks are accepted (many writers omit them), but not mid-entry metadata.
      if (longName !== null || longLink !== null || Object.keys(pax).length) throw new LayerError("truncated tar: metadata without its entry", lastName);
      return reader.offset;
    }
    if (block.length < BLOCK) throw new LayerError(`truncated tar: header cut short at byte ${offset}`, lastName);
    if (block.every((b) => b === 0)) {
      // End of archive. One with no entries at all is a real thing: Docker's empty layer is 1024 zero bytes.
      await reader.drain();
      return reader.offset;
    }
    if (!checksumOk(block)) throw new LayerError(`corrupt tar: header checksum mismatch at byte ${offset} (not a tar archive, or damaged)`, lastName);

    const magic = block.subarray(257, 263).toString("latin1");
    let name = cstring(block, 0, 100);
    if (magic === "ustar\0") {
      const prefix = cstring(block, 345, 500);
      if (prefix) name = `${prefix}/${name}`;
    }
    const flag = String.fromCharCode(block[156]);
    let size = numeric(block, 124, 136, "size", name);

    if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
      if (size > MAX_META) throw new LayerError(`extended header of ${size} bytes is larger than the ${MAX_META} allowed`, name);
      const data = await reader.read(size);
      if (data.length < size) throw new LayerError("truncated tar: extended header cut short", name);
      await skipPadding(reader, size, name);
      if (flag === "x") pax = { ...pax, ...parsePax(data, name) };
      else if (flag === "g") globalPax = { ...globalPax, ...parsePax(data, name) };
      else if (flag === "L") longName = cstring(data, 0, data.length);
      else longLink = cstring(data, 0, data.length);
      continue;
    }

    const type = TYPES[flag];
    if (!type) throw new LayerError(`unsupported tar entry type '${flag.replace(/[^\x20-\x7e]/g, "?")}'`, name);
    const ext = { ...globalPax, ...pax };
    if (longName !== null) name = longName;
    if (typeof ext.path === "string") name = ext.path;
    let linkname = longLink ?? cstring(block, 157, 257);
    if (typeof ext.linkpath === "string") linkname = ext.linkpath;
    if (typeof ext.size === "string") {
      if (!/^[0-9]+$/.test(ext.size)) throw new LayerError(`pax size "${ext.size}" is not a number`, name);
      size = Number(ext.size);
    }
    let mtime = numeric(block, 136, 148, "mtime", name);
    if (typeof ext.mtime === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(ext.mtime)) mtime = Number(ext.mtime);
    const xattrs: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(ext)) if (k.startsWith("SCHILY.xattr.") && Buffer.isBuffer(v)) xattrs[k.slice(13)] = v;
    const header: TarHeader = {
      name,
      type,
      mode: numeric(block, 100, 108, "mode", name) & 0o7777,
      uid: typeof ext.uid === "string" ? Number(ext.uid) : numeric(block, 108, 116, "uid", name),
      gid: typeof ext.gid === "string" ? Number(ext.gid) : numeric(block, 116, 124, "gid", name),
      size: type === "file" ? size : 0,
      mtime,
      linkname,
      uname: typeof ext.uname === "string" ? ext.uname : cstring(block, 265, 297),
      gname: typeof ext.gname === "string" ? ext.gname : cstring(block, 297, 329),
      devmajor: type === "chardev" || type === "blockdev" ? numeric(block, 329, 337, "devmajor", name) : 0,
      devminor: type === "chardev" || type === "blockdev" ? numeric(block, 337, 345, "devminor", name) : 0,
      xattrs,
    };
    if (!Number.isInteger(header.uid) || header.uid < 0 || !Number.isInteger(header.gid) || header.gid < 0) {
      throw new LayerError("owner is not a non-negative integer", name);
    }
    pax = {};
    longName = null;
    longLink = null;
    lastName = name;
    sawEntry = true;

    // Body bytes exist for regular files (and, oddly but legally, other types with a size): always step over them.
    let delivered = 0;
    const bodySize = size;
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        for await (const piece of reader.stream(bodySize - delivered)) {
          delivered += piece.length;
          yield piece;
        }
        if (delivered < bodySize) throw new LayerError(`truncated tar: file data ends after ${delivered} of ${bodySize} bytes`, name);
      },
    };
    await onEntry({ header, offset }, type === "file" ? body : emptyBody());
    if (delivered < bodySize) {
      for await (const piece of reader.stream(bodySize - delivered)) delivered += piece.length;
      if (delivered < bodySize) throw new LayerError(`truncated tar: file data ends after ${delivered} of ${bodySize} bytes`, name);
    }
    await skipPadding(reader, bodySize, name);
  }
}

async function* emptyBody(): AsyncGenerator<Buffer> {}

async function skipPadding(reader: ByteReader, size: number, name: string) {
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad === 0) return;
  const got = await reader.read(pad);
  if (got.length < pad) throw new LayerError("truncated tar: padding cut short", name);
}

// ---------------------------------------------------------------- writer

export interface TarWriteEntry {
  name: string;
  type: TarEntryType;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  uname?: string;
  gname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Record<string, Buffer>;
  /** Size of the body for files; the body itself is yielded separately by the caller. */
  size?: number;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function paxRecord(key: string, value: Buffer | string): Buffer {
  const v = Buffer.isBuffer(value) ? value : Buffer.from(value, "utf8");
  const base = Buffer.byteLength(key) + v.length + 3; // " " "=" "\n"
  let len = base + String(base).length;
  if (String(len).length !== String(base).length) len = base + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`, "utf8"), v, Buffer.from("\n")]);
}

function rawHeader(name: string, flag: string, e: TarWriteEntry, size: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  block.write(name, 0, 100, "utf8");
  block.write(octal((e.mode ?? 0o644) & 0o7777, 8), 100, "ascii");
  block.write(octal(Math.min(e.uid ?? 0, 0o7777777), 8), 108, "ascii");
  block.write(octal(Math.min(e.gid ?? 0, 0o7777777), 8), 116, "ascii");
  block.write(octal(size, 12), 124, "ascii");
  block.write(octal(Math.max(0, Math.min(Math.floor(e.mtime ?? 0), 0o77777777777)), 12), 136, "ascii");
  block.write(flag, 156, "ascii");
  block.write((e.linkname ?? "").slice(0, 100), 157, 100, "utf8");
  block.write("ustar\0", 257, "latin1");
  block.write("00", 263, "ascii");
  block.write((e.uname ?? "").slice(0, 31), 265, 32, "utf8");
  block.write((e.gname ?? "").slice(0, 31), 297, 32, "utf8");
  block.write(octal(e.devmajor ?? 0, 8), 329, "ascii");
  block.write(octal(e.devminor ?? 0, 8), 337, "ascii");
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i];
  block.write(octal(sum, 7) + " ", 148, "ascii");
  return block;
}

function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/**
 * The header block(s) for one entry: a pax extended header first when a name, link, owner, size or xattr does
 * not fit ustar. The caller writes `size` body bytes after them, then `tarPadding(size)`.
 */
export function tarHeader(e: TarWriteEntry): Buffer {
  const size = e.type === "file" ? e.size ?? 0 : 0;
  const records: Buffer[] = [];
  const nameBytes = Buffer.byteLength(e.name);
  if (nameBytes > 100 || /[^\x20-\x7e]/.test(e.name)) records.push(paxRecord("path", e.name));
  const link = e.linkname ?? "";
  if (Buffer.byteLength(link) > 100 || /[^\x20-\x7e]/.test(link)) records.push(paxRecord("linkpath", link));
  if ((e.uid ?? 0) > 0o7777777) records.push(paxRecord("uid", String(e.uid)));
  if ((e.gid ?? 0) > 0o7777777) records.push(paxRecord("gid", String(e.gid)));
  if (size > 0o77777777777) records.push(paxRecord("size", String(size)));
  if (e.mtime !== undefined && !Number.isInteger(e.mtime)) records.push(paxRecord("mtime", e.mtime.toFixed(9).replace(/\.?0+$/, "")));
  for (const [k, v] of Object.entries(e.xattrs ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const parts: Buffer[] = [];
  if (records.length) {
    const data = Buffer.concat(records);
    parts.push(rawHeader(`PaxHeaders/${e.name.slice(-80)}`.slice(0, 99), "x", { name: "", type: "file", mtime: e.mtime }, data.length), data, padding(data.length));
  }
  parts.push(rawHeader(nameBytes > 100 ? e.name.slice(0, 99) : e.name, TYPE_FLAGS[e.type], e, Math.min(size, 0o77777777777)));
  return Buffer.concat(parts);
}

export function tarPadding(size: number): Buffer {
  return padding(size);
}

/** The two zero blocks that end an archive. */
export function tarEnd(): Buffer {
  return Buffer.alloc(BLOCK * 2);
}
