// The Dockerfile parser, variable substitution and .dockerignore matching, checked against the classic builder's meaning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DockerfileError, parseDockerfile, splitRaw } from "../../agent/image-builder/dockerfile";
import { expandWord, expandWords, ExpansionError } from "../../agent/image-builder/shell-words";
import { isIgnored, parseDockerignore } from "../../agent/image-builder/dockerignore";
import { containerPath, resolveInRoot, RootPathError } from "../../agent/rootfs/path";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("continuations, comments inside them, JSON and shell forms, flags, line numbers", () => {
  const df = parseDockerfile(
    [
      "# syntax=docker/dockerfile:1",
      "ARG BASE=busybox",
      "FROM ${BASE} AS build",
      "",
      "# a comment",
      "RUN echo one \\",
      "  # skipped comment inside the continuation",
      "",
      "    two",
      'CMD ["sh", "-c", "echo hi"]',
      "copy --from=build --chown=1:2 /a /b",
      "ENTRYPOINT [not json",
    ].join("\n"),
  );
  const [arg, from, run, cmd, copy, ep] = df.instructions;
  assert.equal(arg.keyword, "ARG");
  assert.equal(from.line, 3);
  assert.equal(from.rest, "${BASE} AS build");
  assert.equal(run.line, 6);
  assert.equal(run.rest, "echo one     two");
  assert.deepEqual(cmd.json, ["sh", "-c", "echo hi"]);
  assert.equal(copy.keyword, "COPY");
  assert.equal(copy.flags.get("from"), "build");
  assert.equal(copy.flags.get("chown"), "1:2");
  assert.equal(copy.rest, "/a /b");
  assert.equal(ep.json, null, "invalid JSON falls back to the shell form");
  assert.equal(ep.rest, "[not json");
});

test("the escape directive switches the continuation character", () => {
  const df = parseDockerfile("# escape=`\nFROM scratch\nCOPY a `\n  c:\\\\dir\\\\\n");
  assert.equal(df.escape, "`");
  assert.equal(df.instructions[1].rest, "a   c:\\\\dir\\\\");
});

test("errors carry the file name and line number", () => {
  const cases: [string, number, RegExp][] = [
    ["FROM busybox\nRUN true\nFORM x\n", 3, /unknown instruction: FORM/],
    ["RUN true\n", 1, /must be FROM/],
    ["FROM busybox\n\nCOPY onlyone\n", 3, /at least two arguments/],
    ["FROM busybox\nENV\n", 2, /ENV requires at least one argument/],
    ["FROM busybox\nRUN --mount=type=cache true\n", 2, /unknown flag: --mount/],
    ["FROM a b\n", 1, /FROM requires either one or three arguments/],
    ["FROM busybox\nSHELL /bin/bash -c\n", 2, /JSON form/],
    ["FROM busybox\nHEALTHCHECK echo\n", 2, /NONE or CMD/],
    ["FROM busybox\nONBUILD ONBUILD RUN x\n", 2, /chaining ONBUILD/],
    ["", 1, /no instructions/],
  ];
  for (const [text, line, re] of cases) {
    assert.throws(
      () => parseDockerfile(text),
      (e: unknown) => e instanceof DockerfileError && e.line === line && re.test(e.message) && e.message.startsWith(`Dockerfile:${line}: `),
      text,
    );
  }
});

test("variable substitution: $VAR, ${VAR}, defaults, alternates, quotes and escapes", () => {
  const env = new Map([
    ["A", "alpha"],
    ["EMPTY", ""],
    ["SP", "x y"],
  ]);
  assert.equal(expandWord("$A-${A}", env), "alpha-alpha");
  assert.equal(expandWord("${MISSING:-fallback}", env), "fallback");
  assert.equal(expandWord("${EMPTY:-fb}", env), "fb");
  assert.equal(expandWord("${A:-fb}", env), "alpha");
  assert.equal(expandWord("${A:+set}${MISSING:+set}", env), "set");
  assert.equal(expandWord("'$A' \"$A\" \\$A", env), "$A alpha $A");
  assert.equal(expandWord("${MISSING:-${A}}", env), "alpha");
  assert.deepEqual(expandWords("a $SP 'b c'", env), ["a", "x", "y", "b c"]);
  assert.deepEqual(expandWords('"$SP" d', env), ["x y", "d"]);
  assert.deepEqual(expandWords("a $EMPTY b x$EMPTY", env), ["a", "b", "x"]);
  assert.deepEqual(expandWords('a "" b', env), ["a", "", "b"]);
  assert.throws(() => expandWord("${A", env), ExpansionError);
  assert.throws(() => expandWord("'open", env), ExpansionError);
  assert.deepEqual(splitRaw(`a="x y" b=c\\ d`), ['a="x y"', "b=c\\ d"]);
});

test(".dockerignore: globs, ** and ! exceptions, last match wins, directories exclude their contents", () => {
  const rules = parseDockerignore(["# comment", "*.log", "secret/", "**/tmp", "docs", "!docs/keep.md", "/abs.txt"].join("\n"));
  assert.equal(isIgnored(rules, "a.log"), true);
  assert.equal(isIgnored(rules, "sub/a.log"), false, "* does not cross directories");
  assert.equal(isIgnored(rules, "secret/key"), true);
  assert.equal(isIgnored(rules, "x/y/tmp/z"), true);
  assert.equal(isIgnored(rules, "tmp"), true);
  assert.equal(isIgnored(rules, "docs/readme.md"), true);
  assert.equal(isIgnored(rules, "docs/keep.md"), false);
  assert.equal(isIgnored(rules, "abs.txt"), true);
  assert.equal(isIgnored(rules, "src/main.c"), false);
});

test("paths resolve inside their root: absolute and relative symlinks, .. at the root, loops", () => {
  const root = mkdtempSync(join(tmpdir(), "gantry-rootfs-path-"));
  try {
    mkdirSync(join(root, "etc"));
    symlinkSync("/etc", join(root, "abs"));
    symlinkSync("../../../../etc", join(root, "rel"));
    symlinkSync("/nowhere/deeper", join(root, "dangling"));
    symlinkSync("loop2", join(root, "loop1"));
    symlinkSync("loop1", join(root, "loop2"));
    assert.equal(resolveInRoot(root, "/abs/passwd"), join(root, "etc/passwd"));
    assert.equal(resolveInRoot(root, "rel/passwd"), join(root, "etc/passwd"));
    assert.equal(resolveInRoot(root, "/../../etc/shadow"), join(root, "etc/shadow"));
    assert.equal(resolveInRoot(root, "/dangling/x"), join(root, "nowhere/deeper/x"));
    assert.equal(resolveInRoot(root, "/abs", { followFinal: false }), join(root, "abs"));
    assert.throws(() => resolveInRoot(root, "/loop1/x"), RootPathError);
    assert.equal(containerPath("sub/dir", "/app"), "/app/sub/dir");
    assert.equal(containerPath("/abs/dir", "/app"), "/abs/dir");
    assert.equal(containerPath("../..", "/app"), "/");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
