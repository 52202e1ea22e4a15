// Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), which kubectl's typed
// commands send (`kubectl create configmap|secret|namespace`): the "k8s\0" envelope (runtime.Unknown: typeMeta, raw)
// around the object's message, read field by field with the numbers the kind's schema carries (schema.ts `proto`) into
// the same JSON the other bodies arrive as — then decoded and validated like them. Answers are always JSON (those
// clients accept it). Fields a schema does not number are skipped; zero values are absent, as Go's omitempty makes them, except
// in pointer fields (schema.ts `pointer`), where a zero on the wire was set.
import type { Schema } from "./schema";
import { badRequest } from "./status";

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  i = 0;
  constructor(readonly b: Buffer) {}
  done() {
    return this.i >= this.b.length;
  }
  varint(): bigint {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      if (this.i >= this.b.length) throw badRequest("the protobuf body ends inside a number");
      const x = this.b[this.i++]!;
      r |= BigInt(x & 0x7f) << shift;
      if (!(x & 0x80)) return r;
      shift += 7n;
      if (shift > 63n) throw badRequest("the protobuf body has a number longer than 64 bits");
    }
  }
  bytes(): Buffer {
    const n = Number(this.varint());
    if (this.i + n > this.b.length) throw badRequest("the protobuf body ends inside a field");
    const out = this.b.subarray(this.i, this.i + n);
    this.i += n;
    return out;
  }
  skip(wire: number) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.i += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.i += 4;
    else throw badRequest(`the protobuf body has an unsupported wire type ${wire}`);
  }
  /** Each (field number, wire type) in turn. */
  *fields(): Generator<[number, number]> {
    while (!this.done()) {
      const key = this.varint();
      yield [Number(key >> 3n), Number(key & 7n)];
    }
  }
}

/** The object a protobuf body holds, as JSON: apiVersion and kind from the envelope, the rest per `schema`. */
export function decodeProtobufObject(body: Buffer, schema: Schema): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('the protobuf body does not start with the "k8s\\0" envelope');
  const envelope = new Reader(body.subarray(4));
  let apiVersion = "";
  let kind = "";
  let raw: Buffer | null = null;
  for (const [field, wire] of envelope.fields()) {
    if (field === 1 && wire === 2) {
      const tm = new Reader(envelope.bytes());
      for (const [f, w] of tm.fields()) {
        if (f === 1 && w === 2) apiVersion = tm.bytes().toString("utf8");
        else if (f === 2 && w === 2) kind = tm.bytes().toString("utf8");
        else tm.skip(w);
      }
    } else if (field === 2 && wire === 2) raw = envelope.bytes();
    else envelope.skip(wire);
  }
  if (!raw) throw badRequest("the protobuf body carries no object");
  const obj = (message(new Reader(raw), schema) ?? {}) as Record<string, unknown>;
  return { apiVersion, kind, ...obj };
}

function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function message(r: Reader, schema: Schema): Record<string, unknown> | undefined {
  if (schema.type !== "object") return undefined;
  const byNumber = new Map(Object.entries(schema.proto ?? {}).map(([name, n]) => [n, name]));
  const out: Record<string, unknown> = {};
  for (const [field, wire] of r.fields()) {
    const name = byNumber.get(field);
    const fs = name ? schema.properties[name] : undefined;
    if (!name || !fs) {
      r.skip(wire);
      continue;
    }
    if (fs.type === "map") {
      const entry = new Reader(r.bytes());
      let key = "";
      let value: unknown = fs.values.type === "string" ? "" : undefined;
      for (const [f, w] of entry.fields()) {
        if (f === 1 && w === 2) key = entry.bytes().toString("utf8");
        else if (f === 2) value = scalar(entry, w, fs.values, true);
        else entry.skip(w);
      }
      const map = (out[name] ??= {}) as Record<string, unknown>;
      if (value !== undefined) map[key] = value;
    } else if (fs.type === "array") {
      const list = (out[name] ??= []) as unknown[];
      const item = fs.items;
      if (wire === 2 && (item.type === "integer" || item.type === "boolean")) {
        const packed = new Reader(r.bytes());
        while (!packed.done()) list.push(item.type === "boolean" ? packed.varint() !== 0n : signed(packed.varint()));
      } else {
        const v = scalar(r, wire, item, true);
        if (v !== undefined) list.push(v);
      }
    } else {
      const v = scalar(r, wire, fs, fs.pointer === true);
      if (v !== undefined) out[name] = v;
    }
  }
  return out;
}

/** One value; `keepZero` for map values and list items, where "" or 0 are real values. */
function scalar(r: Reader, wire: number, s: Schema, keepZero: boolean): unknown {
  switch (s.type) {
    case "string": {
      if (wire !== 2) return r.skip(wire);
      const bytes = r.bytes();
      if (s.format === "date-time") {
        const t = new Reader(bytes);
        let seconds = 0n;
        for (const [f, w] of t.fields()) {
          if (f === 1 && w === 0) seconds = t.varint();
          else t.skip(w);
        }
        return bytes.length === 0 ? undefined : new Date(signed(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
      }
      if (s.format === "byte") return bytes.length || keepZero ? bytes.toString("base64") : undefined;
      const text = bytes.toString("utf8");
      return text || keepZero ? text : undefined;
    }
    case "integer": {
      if (wire !== 0) return r.skip(wire);
      const n = signed(r.varint());
      return n || keepZero ? n : undefined;
    }
    case "boolean": {
      if (wire !== 0) return r.skip(wire);
      const v = r.varint() !== 0n;
      return v || keepZero ? v : undefined;
    }
    case "number": {
      if (wire !== 1) return r.skip(wire);
      const v = r.b.readDoubleLE(r.i);
      r.i += 8;
      return v;
    }
    case "quantity": {
      if (wire !== 2) return r.skip(wire);
      const q = new Reader(r.bytes());
      let v: string | undefined;
      for (const [f, w] of q.fields()) {
        if (f === 1 && w === 2) v = q.bytes().toString("utf8");
        else q.skip(w);
      }
      return v;
    }
    case "int-or-string": {
      if (wire !== 2) return r.skip(wire);
      const q = new Reader(r.bytes());
      let type = 0n;
      let intVal = 0;
      let strVal = "";
      for (const [f, w] of q.fields()) {
        if (f === 1 && w === 0) type = q.varint();
        else if (f === 2 && w === 0) intVal = signed(q.varint());
        else if (f === 3 && w === 2) strVal = q.bytes().toString("utf8");
        else q.skip(w);
      }
      return type === 1n ? strVal : intVal;
    }
    case "any": {
      if (wire !== 2) return r.skip(wire);
      const q = new Reader(r.bytes());
      for (const [f, w] of q.fields()) {
        if (f === 1 && w === 2) {
          try {
            return JSON.parse(q.bytes().toString("utf8"));
          } catch {
            return undefined;
          }
        }
        q.skip(w);
      }
      return undefined;
    }
    case "object": {
      if (wire !== 2) return r.skip(wire);
      const m = message(new Reader(r.bytes()), s);
      return m && (Object.keys(m).length || keepZero) ? m : undefined;
    }
    default:
      return r.skip(wire);
  }
}
