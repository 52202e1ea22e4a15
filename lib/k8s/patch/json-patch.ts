// RFC 6902 JSON Patch (`application/json-patch+json`): add, remove, replace, move, copy and test, applied in order to
// a copy of the object; the first operation that does not apply fails the whole patch, naming its index and path.
import { canonicalJson, clone } from "../canonical";
import { KubeError, badRequest } from "../status";

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string, where: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw badRequest(`${where}: a JSON pointer must start with "/": ${JSON.stringify(path)}`);
  return path.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

const cannot = (where: string, why: string) => new KubeError(422, "Invalid", `the JSON patch could not be applied: ${where}: ${why}`);

type Container = Record<string, unknown> | unknown[];

function parentOf(doc: unknown, tokens: string[], where: string): { parent: Container; key: string } {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) throw cannot(where, `index ${t} is out of range`);
      cur = cur[i];
    } else if (cur && typeof cur === "object") {
      if (!Object.hasOwn(cur, t)) throw cannot(where, `doc is missing path: /${tokens.join("/")}`);
      cur = (cur as Record<string, unknown>)[t];
    } else throw cannot(where, `doc is missing path: /${tokens.join("/")}`);
  }
  if (!cur || typeof cur !== "object") throw cannot(where, `doc is missing path: /${tokens.join("/")}`);
  return { parent: cur as Container, key: tokens[tokens.length - 1]! };
}

function get(doc: unknown, tokens: string[], where: string): unknown {
  if (tokens.length === 0) return doc;
  const { parent, key } = parentOf(doc, tokens, where);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw cannot(where, `index ${key} is out of range`);
    return parent[i];
  }
  if (!Object.hasOwn(parent, key)) throw cannot(where, `doc is missing key: /${tokens.join("/")}`);
  return parent[key];
}

function remove(doc: unknown, tokens: string[], where: string): unknown {
  if (tokens.length === 0) throw cannot(where, "cannot remove the whole document");
  const { parent, key } = parentOf(doc, tokens, where);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!/^\d+$/.test(key) || i >= parent.length) throw cannot(where, `index ${key} is out of range`);
    return parent.splice(i, 1)[0];
  }
  if (!Object.hasOwn(parent, key)) throw cannot(where, `doc is missing key: /${tokens.join("/")}`);
  const v = parent[key];
  delete parent[key];
  return v;
}

function add(doc: unknown, tokens: string[], value: unknown, where: string, replace: boolean): unknown {
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, where);
  if (Array.isArray(parent)) {
    if (replace) {
      const i = Number(key);
      if (!/^\d+$/.test(key) || i >= parent.length) throw cannot(where, `index ${key} is out of range`);
      parent[i] = value;
    } else if (key === "-") parent.push(value);
    else {
      const i = Number(key);
      if (!/^\d+$/.test(key) || i > parent.length) throw cannot(where, `index ${key} is out of range`);
      parent.splice(i, 0, value);
    }
  } else {
    if (replace && !Object.hasOwn(parent, key)) throw cannot(where, `doc is missing key: /${tokens.join("/")}`);
    parent[key] = value;
  }
  return doc;
}

export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest("a JSON patch must be an array of operations");
  let doc = clone(original);
  for (const [i, raw] of patch.entries()) {
    const where = `operation ${i}`;
    if (!raw || typeof raw !== "object") throw badRequest(`${where}: must be an object`);
    const op = raw as Operation;
    if (typeof op.path !== "string") throw badRequest(`${where}: "path" is required`);
    const tokens = pointer(op.path, where);
    const needValue = () => {
      if (!Object.hasOwn(op, "value")) throw badRequest(`${where}: "value" is required for ${op.op}`);
      return clone(op.value);
    };
    switch (op.op) {
      case "add":
        doc = add(doc, tokens, needValue(), where, false);
        break;
      case "replace":
        doc = add(doc, tokens, needValue(), where, true);
        break;
      case "remove":
        remove(doc, tokens, where);
        break;
      case "move": {
        if (typeof op.from !== "string") throw badRequest(`${where}: "from" is required for move`);
        const v = remove(doc, pointer(op.from, where), where);
        doc = add(doc, tokens, v, where, false);
        break;
      }
      case "copy": {
        if (typeof op.from !== "string") throw badRequest(`${where}: "from" is required for copy`);
        doc = add(doc, tokens, clone(get(doc, pointer(op.from, where), where)), where, false);
        break;
      }
      case "test":
        if (canonicalJson(get(doc, tokens, where)) !== canonicalJson(op.value)) throw cannot(where, `testing value ${op.path} failed`);
        break;
      default:
        throw badRequest(`${where}: unknown op ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}
