// Image references: Docker's normalisation for valid names, a precise error for each kind of bad one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ImageReference, ReferenceError } from "../../lib/oci/reference.ts";

const D = "sha256:" + "ab".repeat(32);

const valid: [string, { full: string; registry: string; repository: string; tag: string | null; digest: string | null; familiar: string }][] = [
  ["busybox", { full: "docker.io/library/busybox:latest", registry: "docker.io", repository: "library/busybox", tag: "latest", digest: null, familiar: "busybox:latest" }],
  ["busybox:1.36", { full: "docker.io/library/busybox:1.36", registry: "docker.io", repository: "library/busybox", tag: "1.36", digest: null, familiar: "busybox:1.36" }],
  ["docker.io/busybox", { full: "docker.io/library/busybox:latest", registry: "docker.io", repository: "library/busybox", tag: "latest", digest: null, familiar: "busybox:latest" }],
  ["index.docker.io/library/busybox", { full: "docker.io/library/busybox:latest", registry: "docker.io", repository: "library/busybox", tag: "latest", digest: null, familiar: "busybox:latest" }],
  ["user/app", { full: "docker.io/user/app:latest", registry: "docker.io", repository: "user/app", tag: "latest", digest: null, familiar: "user/app:latest" }],
  ["localhost/app", { full: "localhost/app:latest", registry: "localhost", repository: "app", tag: "latest", digest: null, familiar: "localhost/app:latest" }],
  ["localhost:5000/team/app:v1", { full: "localhost:5000/team/app:v1", registry: "localhost:5000", repository: "team/app", tag: "v1", digest: null, familiar: "localhost:5000/team/app:v1" }],
  ["127.0.0.1:5000/a/b/c:v1.2-rc_3", { full: "127.0.0.1:5000/a/b/c:v1.2-rc_3", registry: "127.0.0.1:5000", repository: "a/b/c", tag: "v1.2-rc_3", digest: null, familiar: "127.0.0.1:5000/a/b/c:v1.2-rc_3" }],
  ["registry.example.com/x__y/a-b.c", { full: "registry.example.com/x__y/a-b.c:latest", registry: "registry.example.com", repository: "x__y/a-b.c", tag: "latest", digest: null, familiar: "registry.example.com/x__y/a-b.c:latest" }],
  [`busybox@${D}`, { full: `docker.io/library/busybox@${D}`, registry: "docker.io", repository: "library/busybox", tag: null, digest: D, familiar: `busybox@${D}` }],
  [`h.io:443/app:v1@${D}`, { full: `h.io:443/app:v1@${D}`, registry: "h.io:443", repository: "app", tag: "v1", digest: D, familiar: `h.io:443/app:v1@${D}` }],
  ["[::1]:5000/app:t", { full: "[::1]:5000/app:t", registry: "[::1]:5000", repository: "app", tag: "t", digest: null, familiar: "[::1]:5000/app:t" }],
  ["a--b/c", { full: "docker.io/a--b/c:latest", registry: "docker.io", repository: "a--b/c", tag: "latest", digest: null, familiar: "a--b/c:latest" }],
];

test("valid references normalise like Docker's", () => {
  for (const [input, want] of valid) {
    const r = ImageReference.parse(input);
    assert.equal(r.toString(), want.full, input);
    assert.equal(r.registry, want.registry, input);
    assert.equal(r.repository, want.repository, input);
    assert.equal(r.tag, want.tag, input);
    assert.equal(r.digest, want.digest, input);
    assert.equal(r.familiar(), want.familiar, input);
    assert.equal(ImageReference.parse(r.toString()).toString(), want.full, `round trip of ${input}`);
  }
  assert.equal(ImageReference.parse("busybox").endpointHost, "registry-1.docker.io");
  assert.equal(ImageReference.parse("busybox", { defaultTag: false }).tag, null);
});

const invalid: [string, RegExp][] = [
  ["", /empty/],
  [" busybox", /whitespace/],
  ["Busybox", /must be lowercase/],
  ["user/App", /must be lowercase/],
  ["busybox:", /tag "" is invalid/],
  ["busybox:-bad", /tag "-bad" is invalid/],
  ["busybox:" + "t".repeat(129), /tag .* is invalid/],
  ["a:b:c", /tag "b:c" is invalid/],
  ["busybox@sha256:abc", /not a digest|64 lowercase hex/],
  [`busybox@sha256:${"AB".repeat(32)}`, /64 lowercase hex/],
  [`busybox@md5:${"ab".repeat(16)}`, /unsupported digest algorithm "md5"/],
  ["ab".repeat(32), /image ID, not a repository name/],
  ["a//b", /empty component/],
  ["a/b/", /empty component/],
  ["host:5000/", /repository name is missing/],
  ["host:99999/app", /port "99999"/],
  ["host:port/app", /port "port"/],
  ["-host.com/app", /not a valid host name/],
  ["a_/b", /path component "a_"/],
  ["a..b/c", /not a valid host name|path component/],
  ["app!", /path component "app!"/],
  ["[::1/app", /unclosed IPv6/],
  ["x/" + "a".repeat(260), /longer than 255/],
  [":tag", /repository name is missing/],
];

test("invalid references are refused with a precise error", () => {
  for (const [input, message] of invalid) {
    assert.throws(
      () => ImageReference.parse(input),
      (e: unknown) => {
        assert.ok(e instanceof ReferenceError, `${input}: ${e}`);
        assert.match((e as Error).message, message, `${JSON.stringify(input)} → ${(e as Error).message}`);
        assert.match((e as Error).message, /^invalid reference/);
        return true;
      },
    );
    assert.equal(ImageReference.tryParse(input), null);
  }
});
