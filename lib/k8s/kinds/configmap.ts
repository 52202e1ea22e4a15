// v1 ConfigMap: configuration data (text in data, bytes in binaryData) for pods to consume.
import type { ResourceDef } from "../resources";
import { t } from "../schema";
import type { StatusCause } from "../status";
import { MAX_DATA_BYTES, ageColumn, configKeyErrors, dataCount, immutableErrors, isBase64, nameColumn, typeMeta } from "./common";

export const configMapResource: ResourceDef = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  singular: "configmap",
  shortNames: ["cm"],
  namespaced: true,
  verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
  description: "ConfigMap holds configuration data for pods to consume.",
  nameRule: "dns1123-subdomain",
  schema: t.object(
    {
      ...typeMeta(),
      data: t.map(t.string(), "Configuration data: keys of alphanumerics, '-', '_' or '.'; UTF-8 values."),
      binaryData: t.map(t.string(undefined, { format: "byte" }), "Binary data, base64-encoded; keys may not also appear in data."),
      immutable: t.bool("If true, data cannot be changed (only the object's metadata can)."),
    },
    {
      name: "io.k8s.api.core.v1.ConfigMap",
      description: "ConfigMap holds configuration data for pods to consume.",
      proto: { metadata: 1, data: 2, binaryData: 3, immutable: 4 },
    },
  ),
  columns: [
    nameColumn,
    { name: "Data", type: "integer", description: "The number of keys in data and binaryData", priority: 0, cell: (o) => dataCount(o, "data", "binaryData") },
    ageColumn,
  ],
  readRight: "k8s.read",
  writeRights: ["k8s.write"],
  validate(obj, old) {
    const causes: StatusCause[] = [];
    const data = (obj.data ?? {}) as Record<string, string>;
    const binary = (obj.binaryData ?? {}) as Record<string, string>;
    let size = 0;
    for (const [k, v] of Object.entries(data)) {
      causes.push(...configKeyErrors("data", k));
      size += k.length + Buffer.byteLength(v);
    }
    for (const [k, v] of Object.entries(binary)) {
      causes.push(...configKeyErrors("binaryData", k));
      if (k in data) causes.push({ reason: "FieldValueInvalid", field: "binaryData", message: `Invalid value: ${JSON.stringify(k)}: duplicate of key present in data` });
      if (!isBase64(v)) causes.push({ reason: "FieldValueInvalid", field: `binaryData[${k}]`, message: "Invalid value: must be base64-encoded" });
      size += k.length + Math.floor((v.length * 3) / 4);
    }
    if (size > MAX_DATA_BYTES) causes.push({ reason: "FieldValueTooLong", field: "data", message: `Too long: must have at most ${MAX_DATA_BYTES} bytes` });
    causes.push(...immutableErrors(obj, old, ["data", "binaryData"]));
    return causes;
  },
};
