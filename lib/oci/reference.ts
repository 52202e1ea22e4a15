// An image reference, parsed once with Docker's rules (distribution/reference) into a value object:
//   busybox                        → docker.io/library/busybox:latest
//   127.0.0.1:5000/team/app:v1     → registry 127.0.0.1:5000, repository team/app, tag v1
//   app@sha256:<64 hex>            → a digest reference (a tag may be given too; the digest wins when fetching)
// Anything else is refused with a ReferenceError naming what is wrong.

export const DEFAULT_REGISTRY = "docker.io";
export const DEFAULT_TAG = "latest";
const MAX_NAME_LENGTH = 255;

// One path component: lowercase alphanumerics joined by one ".", one or two "_", or any number of "-".
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256_HEX = /^[a-f0-9]{64}$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

export class ReferenceError extends Error {
  readonly input: string;
  constructor(input: string, problem: string) {
    super(`invalid reference "${input}": ${problem}`);
    this.name = "ReferenceError";
    this.input = input;
  }
}

export class ImageReference {
  /** Registry host as written (with port), docker.io for Docker Hub. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  readonly repository: string;
  /** The tag, or null when only a digest was given. */
  readonly tag: string | null;
  /** "sha256:<hex>" when pinned by digest, else null. */
  readonly digest: string | null;

  private constructor(registry: string, repository: string, tag: string | null, digest: string | null) {
    this.registry = registry;
    this.repository = repository;
    this.tag = tag;
    this.digest = digest;
  }

  /**
   * Parses a reference with Docker's normalisation. A reference with neither tag nor digest gets `latest`
   * (unless `defaultTag: false`, for "all tags"/name-only uses).
   */
  static parse(input: string, opts: { defaultTag?: boolean } = {}): ImageReference {
    if (typeof input !== "string" || input.length === 0) throw new ReferenceError(String(input ?? ""), "it is empty");
    if (input !== input.trim()) throw new ReferenceError(input, "it has leading or trailing whitespace");
    if (SHA256_HEX.test(input)) {
      throw new ReferenceError(input, "a 64-character hexadecimal string is an image ID, not a repository name");
    }

    let rest = input;
    let digest: string | null = null;
    const at = rest.indexOf("@");
    if (at >= 0) {
      digest = rest.slice(at + 1);
      rest = rest.slice(0, at);
      if (!DIGEST.test(digest)) throw new ReferenceError(input, `"${digest}" is not a digest (expected algorithm:hex)`);
      const [algo, hex] = digest.split(":");
      if (algo === "sha256" && !SHA256_HEX.test(hex)) throw new ReferenceError(input, "a sha256 digest has 64 lowercase hex characters");
      if (algo !== "sha256" && algo !== "sha512") throw new ReferenceError(input, `unsupported digest algorithm "${algo}"`);
      if (algo === "sha512" && !/^[a-f0-9]{128}$/.test(hex)) throw new ReferenceError(input, "a sha512 digest has 128 lowercase hex characters");
    }

    // A tag follows the last ":" that comes after the last "/" (a ":" before it is a registry port).
    let tag: string | null = null;
    const lastSlash = rest.lastIndexOf("/");
    const colon = rest.indexOf(":", lastSlash + 1);
    if (colon >= 0) {
      tag = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
      if (!TAG.test(tag)) {
        throw new ReferenceError(input, `tag "${tag}" is invalid (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`);
      }
    }
    if (rest.length === 0) throw new ReferenceError(input, "the repository name is missing");

    let registry = DEFAULT_REGISTRY;
    let path = rest;
    const slash = rest.indexOf("/");
    if (slash >= 0) {
      const first = rest.slice(0, slash);
      // Docker's rule: the first component is a registry when it has a "." or ":", is "localhost", or has uppercase.
      if (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase()) {
        registry = first;
        path = rest.slice(slash + 1);
        checkRegistry(input, registry);
      }
    }
    if (registry === "index.docker.io" || registry === "registry-1.docker.io") registry = DEFAULT_REGISTRY;
    if (path.length === 0) throw new ReferenceError(input, "the repository name is missing after the registry");
    for (const component of path.split("/")) {
      if (component.length === 0) throw new ReferenceError(input, "the repository path has an empty component (\"//\" or a trailing \"/\")");
      if (component !== component.toLowerCase()) throw new ReferenceError(input, "repository name must be lowercase");
      if (!COMPONENT.test(component)) {
        throw new ReferenceError(input, `path component "${component}" may only hold lowercase letters, digits and single separators (".", "_", "__", "-")`);
      }
    }
    if (registry === DEFAULT_REGISTRY && !path.includes("/")) path = `library/${path}`;
    const fullName = `${registry}/${path}`;
    if (fullName.length > MAX_NAME_LENGTH) throw new ReferenceError(input, `the repository name is longer than ${MAX_NAME_LENGTH} characters`);

    if (tag === null && digest === null && opts.defaultTag !== false) tag = DEFAULT_TAG;
    return new ImageReference(registry, path, tag, digest);
  }

  /** Like parse but returns null instead of throwing. */
  static tryParse(input: string, opts: { defaultTag?: boolean } = {}): ImageReference | null {
    try {
      return ImageReference.parse(input, opts);
    } catch {
      return null;
    }
  }

  /** "docker.io/library/busybox". */
  get name(): string {
    return `${this.registry}/${this.repository}`;
  }

  /** The name Docker shows: "busybox" for official Hub images, "user/app" for Hub, full name elsewhere. */
  get familiarName(): string {
    if (this.registry !== DEFAULT_REGISTRY) return this.name;
    return this.repository.startsWith("library/") ? this.repository.slice("library/".length) : this.repository;
  }

  /** The host to contact: Docker Hub's API lives at registry-1.docker.io. */
  get endpointHost(): string {
    return this.registry === DEFAULT_REGISTRY ? "registry-1.docker.io" : this.registry;
  }

  /** What to ask the registry for: the digest if pinned, else the tag. */
  get manifestReference(): string {
    return this.digest ?? this.tag ?? DEFAULT_TAG;
  }

  /** The same repository with another tag and no digest. */
  withTag(tag: string): ImageReference {
    if (!TAG.test(tag)) throw new ReferenceError(`${this.name}:${tag}`, `tag "${tag}" is invalid`);
    return new ImageReference(this.registry, this.repository, tag, null);
  }

  /** The same repository pinned to a digest, no tag. */
  withDigest(digest: string): ImageReference {
    return ImageReference.parse(`${this.name}@${digest}`);
  }

  /** Fully qualified: docker.io/library/busybox:latest, host/repo@sha256:…, host/repo:tag@sha256:…. */
  toString(): string {
    return `${this.name}${this.tag ? `:${this.tag}` : ""}${this.digest ? `@${this.digest}` : ""}`;
  }

  /** Docker's display form: busybox:latest, 127.0.0.1:5000/app:v1, busybox@sha256:…. */
  familiar(): string {
    return `${this.familiarName}${this.tag ? `:${this.tag}` : ""}${this.digest ? `@${this.digest}` : ""}`;
  }

  equals(other: ImageReference): boolean {
    return this.toString() === other.toString();
  }
}

function checkRegistry(input: string, registry: string) {
  let host = registry;
  let port: string | null = null;
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    if (end < 0) throw new ReferenceError(input, `registry "${registry}" has an unclosed IPv6 bracket`);
    const v6 = host.slice(1, end);
    if (!/^[0-9a-fA-F:.]+$/.test(v6) || !v6.includes(":")) throw new ReferenceError(input, `registry "${registry}" is not a valid IPv6 address`);
    const after = host.slice(end + 1);
    if (after && !after.startsWith(":")) throw new ReferenceError(input, `registry "${registry}" has text after the IPv6 address`);
    port = after ? after.slice(1) : null;
  } else {
    const c = host.indexOf(":");
    if (c >= 0) {
      port = host.slice(c + 1);
      host = host.slice(0, c);
    }
    if (host.length === 0) throw new ReferenceError(input, `registry "${registry}" has no host name`);
    for (const label of host.split(".")) {
      if (!HOST_LABEL.test(label)) throw new ReferenceError(input, `registry host "${host}" is not a valid host name`);
    }
  }
  if (port !== null) {
    if (!/^[0-9]+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      throw new ReferenceError(input, `registry port "${port}" is not a number between 1 and 65535`);
    }
  }
}

/** "sha256:<64 hex>" check used wherever a digest crosses a boundary. */
export function isSha256Digest(value: string): boolean {
  return typeof value === "string" && value.startsWith("sha256:") && SHA256_HEX.test(value.slice(7));
}
