// .dockerignore: one pattern a line (Go filepath.Match syntax plus "**"), "#" comments, "!" exceptions; the last
// matching pattern decides. A directory that is excluded still has its files checked against later exceptions.
import { posix } from "node:path";

export interface IgnoreRule {
  negate: boolean;
  pattern: string;
  regex: RegExp;
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line.startsWith("#")) continue;
    line = line.trim();
    if (!line) continue;
    let negate = false;
    if (line.startsWith("!")) {
      negate = true;
      line = line.slice(1).trim();
    }
    let pattern = posix.normalize(line.replace(/\\/g, "/"));
    pattern = pattern.replace(/^\/+/, "").replace(/\/+$/, "");
    if (pattern === "." || pattern === "") continue;
    rules.push({ negate, pattern, regex: globToRegExp(pattern) });
  }
  return rules;
}

/** A glob as a RegExp over a whole slash-separated path: * and ? stay within one segment, ** spans segments, [..] classes. */
export function globToRegExp(pattern: string): RegExp {
  let re = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") {
          i++;
          re += "(?:.*/)?";
        } else re += ".*";
      } else re += "[^/]*";
    } else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith("^") || cls.startsWith("!")) cls = "^" + cls.slice(1);
      re += `[${cls.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else if (c === "\\" && i + 1 < pattern.length) {
      re += escapeRe(pattern[++i]);
    } else re += escapeRe(c);
  }
  return new RegExp(re + "$");
}

const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Whether `path` (relative, slash-separated) is excluded: it or one of its parent directories matches, last rule wins. */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  let ignored = false;
  const parts = path.split("/");
  for (const rule of rules) {
    let match = rule.regex.test(path);
    // A pattern naming a directory excludes everything below it.
    for (let n = 1; !match && n < parts.length; n++) match = rule.regex.test(parts.slice(0, n).join("/"));
    if (match) ignored = !rule.negate;
  }
  return ignored;
}
