// The Dockerfile parser, with the classic builder's meaning: parser directives at the top (# escape=`), comments, line
// continuations with the escape character (comment and empty lines inside a continuation are skipped), instructions
// case-insensitive, JSON ("exec") and shell forms. Syntax is checked here, so every mistake is reported with its line:
// "Dockerfile:3: unknown instruction: FORM". Variable substitution happens later, while building (shell-words.ts).
export class DockerfileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = "DockerfileError";
  }
}

export interface Instruction {
  keyword: string;
  /** 1-based line where the instruction starts. */
  line: number;
  /** The instruction as written, continuations joined ("RUN echo hi"). */
  original: string;
  /** Leading --name=value flags (COPY --from, --chown, --chmod; FROM --platform; HEALTHCHECK --interval ...). */
  flags: Map<string, string>;
  /** The text after the keyword and its flags. */
  rest: string;
  /** RUN, CMD, ENTRYPOINT, SHELL, COPY, ADD, VOLUME written as a JSON array: its strings. */
  json: string[] | null;
}

export interface Dockerfile {
  file: string;
  escape: string;
  instructions: Instruction[];
}

const KNOWN = new Set([
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN",
  "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
]);
const JSON_FORM = new Set(["RUN", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME"]);
const FLAGS: Record<string, string[]> = {
  FROM: ["platform"],
  COPY: ["from", "chown", "chmod", "link"],
  ADD: ["chown", "chmod", "checksum", "link", "keep-git-dir"],
  HEALTHCHECK: ["interval", "timeout", "start-period", "start-interval", "retries"],
  RUN: [],
};

export function parseDockerfile(text: string, file = "Dockerfile"): Dockerfile {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  let escape = "\\";
  let i = 0;
  // Parser directives: only at the very top, before any comment, blank line or instruction.
  const seen = new Set<string>();
  for (; i < lines.length; i++) {
    const m = /^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$/.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (key !== "escape" && key !== "syntax" && key !== "check") break;
    if (seen.has(key)) throw new DockerfileError(file, i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === "escape") {
      if (m[2] !== "\\" && m[2] !== "`") throw new DockerfileError(file, i + 1, `invalid escape token '${m[2]}' does not match ` + "` or \\");
      escape = m[2];
    }
  }
  const continuation = new RegExp(`${escape === "\\" ? "\\\\" : "`"}[ \\t]*$`);
  const instructions: Instruction[] = [];
  for (; i < lines.length; i++) {
    const first = lines[i];
    if (/^\s*$/.test(first) || /^\s*#/.test(first)) continue;
    const start = i + 1;
    let joined = "";
    let line = first;
    for (;;) {
      if (!continuation.test(line)) {
        joined += line;
        break;
      }
      joined += line.replace(continuation, "");
      // The next line that is neither blank nor a comment continues this one.
      do i++;
      while (i < lines.length && (/^\s*$/.test(lines[i]) || /^\s*#/.test(lines[i])));
      if (i >= lines.length) break;
      line = lines[i];
    }
    instructions.push(parseInstruction(joined.trim(), start, file));
  }
  if (!instructions.length) throw new DockerfileError(file, 1, "the Dockerfile has no instructions");
  const firstReal = instructions.find((x) => x.keyword !== "ARG");
  if (!firstReal || firstReal.keyword !== "FROM") {
    const at = firstReal ?? instructions[0];
    throw new DockerfileError(file, at.line, `no build stage in current context: the first instruction (after ARGs) must be FROM, not ${at.keyword}`);
  }
  return { file, escape, instructions };
}

/** One instruction on its own (a `docker commit --change` line), checked like a Dockerfile line. */
export function parseInstructionLine(text: string, file = "change", line = 1): Instruction {
  if (!text.trim()) throw new DockerfileError(file, line, "the instruction is empty");
  return parseInstruction(text.trim(), line, file);
}

function parseInstruction(text: string, line: number, file: string): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)!;
  const keyword = m[1].toUpperCase();
  if (!KNOWN.has(keyword)) throw new DockerfileError(file, line, `unknown instruction: ${m[1]}`);
  let rest = m[2];
  const flags = new Map<string, string>();
  if (keyword in FLAGS) {
    for (;;) {
      const f = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest);
      if (!f) break;
      const name = f[1].toLowerCase();
      if (!FLAGS[keyword].includes(name)) {
        throw new DockerfileError(file, line, `unknown flag: --${f[1]}` + (keyword === "RUN" ? " (RUN flags such as --mount need BuildKit, which Gantry's builder does not implement)" : ""));
      }
      flags.set(name, f[2] ?? "true");
      rest = rest.slice(f[0].length);
    }
  }
  rest = rest.trim();
  let json: string[] | null = null;
  if (JSON_FORM.has(keyword) && rest.startsWith("[")) {
    try {
      const parsed = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === "string")) json = parsed;
    } catch {
      /* not JSON: the shell form, as the classic builder does */
    }
  }
  const ins: Instruction = { keyword, line, original: text, flags, rest, json };
  checkArguments(ins, file);
  return ins;
}

function checkArguments(ins: Instruction, file: string) {
  const fail = (reason: string): never => {
    throw new DockerfileError(file, ins.line, reason);
  };
  const words = splitRaw(ins.rest);
  const name = ins.keyword;
  switch (name) {
    case "FROM":
      if (!(words.length === 1 || (words.length === 3 && words[1].toUpperCase() === "AS"))) {
        fail(`FROM requires either one or three arguments (FROM image [AS name]), got: ${ins.rest || "nothing"}`);
      }
      if (words.length === 3 && !/^[a-zA-Z][a-zA-Z0-9_.-]*$/.test(words[2])) fail(`invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
      break;
    case "RUN":
    case "CMD":
    case "ENTRYPOINT":
      if (!ins.rest && name === "RUN") fail("RUN requires at least one argument");
      break;
    case "SHELL":
      if (!ins.json || ins.json.length === 0) fail("SHELL requires the arguments to be in JSON form, e.g. SHELL [\"/bin/sh\", \"-c\"]");
      break;
    case "COPY":
    case "ADD": {
      const n = ins.json ? ins.json.length : words.length;
      if (n < 2) fail(`${name} requires at least two arguments, but got ${n}`);
      break;
    }
    case "ENV":
    case "LABEL": {
      if (!words.length) fail(`${name} requires at least one argument`);
      if (!words[0].includes("=")) {
        if (name === "LABEL") fail(`LABEL requires key=value pairs, got: ${words[0]}`);
        if (words.length < 2) fail(`ENV must have two arguments (ENV key value) or key=value pairs`);
      } else {
        for (const w of words) if (!w.includes("=")) fail(`${name} names must be followed by '=' and a value: ${w}`);
        for (const w of words) if (w.startsWith("=")) fail(`${name} names can not be blank`);
      }
      break;
    }
    case "ARG":
      if (!words.length) fail("ARG requires at least one argument");
      for (const w of words) if (!/^[A-Za-z_][A-Za-z0-9_]*(=|$)/.test(w)) fail(`invalid ARG name: ${w.split("=")[0] || "(empty)"}`);
      break;
    case "WORKDIR":
    case "USER":
    case "STOPSIGNAL":
    case "MAINTAINER":
      // The classic builder takes the whole rest of the line as the one argument: `WORKDIR /a b` is the path "/a b".
      if (!ins.rest) fail(`${name} requires exactly one argument`);
      if (name === "STOPSIGNAL" && words.length !== 1) fail(`${name} requires exactly one argument, got ${words.length}`);
      break;
    case "EXPOSE":
    case "VOLUME":
      if (!ins.rest) fail(`${name} requires at least one argument`);
      break;
    case "HEALTHCHECK": {
      const kind = (words[0] ?? "").toUpperCase();
      if (kind === "NONE") {
        if (words.length > 1 || ins.flags.size) fail("HEALTHCHECK NONE takes no other arguments");
      } else if (kind !== "CMD") fail(`HEALTHCHECK needs NONE or CMD <command>, got: ${ins.rest || "nothing"}`);
      else if (words.length < 2) fail("HEALTHCHECK CMD requires a command");
      break;
    }
    case "ONBUILD": {
      const inner = (words[0] ?? "").toUpperCase();
      if (!inner) fail("ONBUILD requires at least one argument");
      if (inner === "ONBUILD") fail("chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (inner === "FROM" || inner === "MAINTAINER") fail(`${inner} isn't allowed as an ONBUILD trigger`);
      parseInstruction(ins.rest, ins.line, file);
      break;
    }
  }
}

/** Splits on whitespace outside quotes, keeping quotes and escapes in the words (for key=value pairs). */
export function splitRaw(text: string, escape = "\\"): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === escape && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
      inWord = true;
      continue;
    }
    if (quote) {
      if (c === quote) quote = null;
      cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      cur += c;
      inWord = true;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (inWord) out.push(cur);
  return out;
}
