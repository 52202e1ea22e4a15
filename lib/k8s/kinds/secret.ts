// v1 Secret: data base64-encoded in the API, sealed with AES-256-GCM at rest (lib/k8s/secret-box.ts); `stringData` is
// folded into `data` on write and never stored. Reading one needs its own right (k8s.secrets.read), as logs do.
import type { KubeObject } from "../meta";
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { MAX_DATA_BYTES, ageColumn, configKeyErrors, dataCount, immutableErrors, isBase64, nameColumn, typeMeta } from "./common";

/** Keys a Secret of a well-known type must carry. */
const REQUIRED_KEYS: Record<string, string[]> = {
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
};

export const secretResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  singular: "secret",
  shortNames: [],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: "Secret holds secret data of a certain type. The total bytes of the values in the data field must be less than 1 MiB.",
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      data: t.map(t.string(undefined, { format: "byte" }), "Secret data, each value base64-encoded. Keys of alphanumerics, '-', '_' or '.'."),
      stringData: t.map(t.string(), "Write-only convenience: plain-text values merged into data on write (they win over data); never read back."),
      type: t.string("Used to facilitate programmatic handling of secret data (Opaque, kubernetes.io/tls, …)."),
      immutable: t.bool("If true, data cannot be changed (only the object's metadata can)."),
    },
    {
      name: "io.k8s.api.core.v1.Secret",
      description: "Secret holds secret data of a certain type.",
      proto: { metadata: 1, data: 2, type: 3, stringData: 4, immutable: 5 },
    },
  ),
  columns: [
    nameColumn,
    { name: "Type", type: "string", description: "The type of the secret", priority: 0, cell: (o) => String(o.type ?? "") },
    { name: "Data", type: "integer", description: "The number of keys in data", priority: 0, cell: (o) => dataCount(o, "data") },
    ageColumn,
  ],
  readRight: "k8s.secrets.read",
  // Writing a secret is a right of its own (secrets.write); every write answers with the whole secret, so it needs the
  // right to read secrets as well.
  writeRights: ["k8s.write", "k8s.secrets.read", "k8s.secrets.write"],
  selectableFields: (o) => ({ type: String(o.type ?? "") }),
  sealedAtRest: true,
  normalize(obj) {
    const stringData = obj.stringData as Record<string, string> | undefined;
    if (stringData) {
      const data = { ...(obj.data as Record<string, string> | undefined) };
      for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, "utf8").toString("base64");
      obj.data = data;
      delete obj.stringData;
    }
    if (!obj.type) obj.type = "Opaque";
  },
  validate(obj: KubeObject, old: KubeObject | undefined) {
    const causes: StatusCause[] = [];
    const data = (obj.data ?? {}) as Record<string, string>;
    let size = 0;
    for (const [k, v] of Object.entries(data)) {
      causes.push(...configKeyErrors("data", k));
      if (!isBase64(v)) causes.push({ reason: "FieldValueInvalid", field: `data[${k}]`, message: "Invalid value: must be base64-encoded" });
      size += Math.floor((v.length * 3) / 4);
    }
    if (size > MAX_DATA_BYTES) causes.push({ reason: "FieldValueTooLong", field: "data", message: `Too long: must have at most ${MAX_DATA_BYTES} bytes` });
    const type = String(obj.type);
    for (const key of REQUIRED_KEYS[type] ?? []) {
      if (!(key in data)) causes.push({ reason: "FieldValueRequired", field: `data[${key}]`, message: "Required value" });
    }
    if (type === "kubernetes.io/basic-auth" && !("username" in data) && !("password" in data))
      causes.push({ reason: "FieldValueRequired", field: "data[username]", message: "Required value: must specify at least one of username or password" });
    if (old && old.type !== obj.type)
      causes.push({ reason: "FieldValueInvalid", field: "type", message: `Invalid value: ${JSON.stringify(obj.type)}: field is immutable` });
    causes.push(...immutableErrors(obj, old, ["data"]));
    return causes;
  },
};
