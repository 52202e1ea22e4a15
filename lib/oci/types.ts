// Shapes shared by the image engine's modules (store, registry client, image service, snapshots) and by whoever
// serves them (the Docker-compatible Engine API, commit/save/load, the Dockerfile builder). Field names follow the
// OCI image spec where a spec exists; Docker's JSON shapes are produced from these at the API boundary.

/** One progress line, shaped like the Docker Engine API's JSON progress (`/images/create`, `/images/{name}/push`). */
export interface ProgressEvent {
  /** Short layer id (12 hex characters of the blob digest), or the tag for push's first/last lines; absent for whole-image lines. */
  id?: string;
  /** "Pulling fs layer", "Waiting", "Downloading", "Verifying Checksum", "Download complete", "Extracting",
   *  "Pull complete", "Already exists", "Preparing", "Pushing", "Pushed", "Layer already exists", "Mounted from …",
   *  "Digest: sha256:…", "Status: Downloaded newer image for …", … */
  status: string;
  /** Bytes done/total while downloading, extracting or pushing. */
  progressDetail?: { current?: number; total?: number };
}

export type ProgressListener = (event: ProgressEvent) => void;

/** Credentials for one registry, in the shape of Docker's X-Registry-Auth / `docker login`. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** A refresh token from a token server (OAuth2), used in place of a password. */
  identitytoken?: string;
  /** A ready bearer token, sent as is. */
  registrytoken?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** An OCI descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform & { "os.version"?: string; "os.features"?: string[] };
}

/** The runtime part of an image config (OCI `config` object; Docker's ContainerConfig fields are a superset). */
export interface ImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [extra: string]: unknown;
}

export interface HistoryRecord {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config blob (OCI image config / Docker image JSON). */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: ImageRuntimeConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: HistoryRecord[];
  [extra: string]: unknown;
}

/** One layer of an image as the store knows it. */
export interface LayerInfo {
  /** Digest of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  /** ChainID: diffId for the first layer, sha256(parentChainId + " " + diffId) above it. */
  chainId: string;
  /** Digest, size and media type of the (usually compressed) blob in the content store. */
  blobDigest: string;
  blobSize: number;
  blobMediaType: string;
  /** Bytes of the unpacked layer (its tar size). */
  size: number;
  /** Absolute path of the unpacked layer directory (an overlay lowerdir, whiteouts in overlay form). */
  path: string;
}

/** What `list()` returns per image (Docker's `/images/json` fields, camel-cased). */
export interface ImageSummary {
  /** "sha256:<config digest>". */
  id: string;
  /** "busybox:latest", "127.0.0.1:5000/app:v1" (familiar form). */
  repoTags: string[];
  /** "busybox@sha256:<manifest digest>". */
  repoDigests: string[];
  /** Unix seconds from the config's `created` (0 if absent). */
  created: number;
  /** Total unpacked size of all layers, in bytes. */
  size: number;
  labels: Record<string, string>;
  /** Id of the image this one was built or committed from, "" if none known. */
  parentId: string;
}

/** What `inspect()` returns (Docker's `/images/{name}/json` fields, camel-cased, plus the raw config). */
export interface ImageDetail extends ImageSummary {
  architecture: string;
  os: string;
  variant?: string;
  author: string;
  comment: string;
  config: ImageConfig;
  /** Digest and media type of the manifest the image was pulled with or created as. */
  manifestDigest: string;
  manifestMediaType: string;
  layers: LayerInfo[];
}

/** Docker's `/images/{name}/history` rows, newest first. */
export interface HistoryEntry {
  /** The image id for the top row (and rows of tagged ancestors), "<missing>" otherwise. */
  id: string;
  created: number;
  createdBy: string;
  tags: string[];
  size: number;
  comment: string;
}

/** Docker's DELETE /images answer: one entry per untagged name and per deleted image id. */
export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

export interface PruneResult {
  untagged: string[];
  deleted: string[];
  /** Bytes freed on disk (blobs and unpacked layers). */
  spaceReclaimed: number;
}

export const MediaTypes = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  ociLayerNondistGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** An image manifest (OCI or Docker schema2: the same shape). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}
