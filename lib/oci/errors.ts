// Typed errors of the image engine. `code` is what an API boundary maps to a status (one table there):
//   invalid_reference 400 · not_found 404 · conflict 409 · unauthorized 401 · denied 403 · registry 502 ·
//   digest_mismatch 502 · unsupported 400 · bad_layer 400 · store 500
export type ImageErrorCode =
  | "invalid_reference"
  | "not_found"
  | "conflict"
  | "unauthorized"
  | "denied"
  | "registry"
  | "digest_mismatch"
  | "unsupported"
  | "bad_layer"
  | "store";

export class ImageError extends Error {
  readonly code: ImageErrorCode;
  constructor(code: ImageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImageError";
    this.code = code;
  }
}

/** "No such image: busybox:latest" — Docker's wording, so CLI users recognise it. */
export class ImageNotFoundError extends ImageError {
  constructor(what: string) {
    super("not_found", `No such image: ${what}`);
  }
}

/** A registry answered with an error (or not at all). `status` is the HTTP status, 0 when unreachable. */
export class RegistryError extends ImageError {
  readonly status: number;
  constructor(code: ImageErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/** A blob's content does not hash to the digest it was asked for under; nothing of it is kept. */
export class DigestMismatchError extends ImageError {
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string, what = "blob") {
    super("digest_mismatch", `${what} failed verification: expected digest ${expected}, got ${actual}`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** A layer archive that is corrupt or tries to write outside its directory. `entry` names the offending member. */
export class LayerError extends ImageError {
  readonly entry: string | null;
  constructor(message: string, entry: string | null = null) {
    super("bad_layer", entry === null ? `layer refused: ${message}` : `layer refused: entry "${entry}": ${message}`);
    this.entry = entry;
  }
}
