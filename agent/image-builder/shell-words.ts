// Variable substitution the way the classic builder does it for ENV, ARG, COPY, WORKDIR, USER, LABEL, EXPOSE, VOLUME,
// STOPSIGNAL and FROM: $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternate}; single quotes keep text literal, double quotes
// allow substitution, the escape character (\ or `) escapes the next character. Quotes are removed from the result.
export class ExpansionError extends Error {}

export type Env = ReadonlyMap<string, string>;

interface Lexed {
  words: string[];
}

/** Splits on unquoted whitespace into words, substituting and removing quotes. */
export function expandWords(input: string, env: Env, escape = "\\"): string[] {
  return lex(input, env, escape, true).words;
}

/** One word: whitespace is kept, quotes removed, variables substituted. */
export function expandWord(input: string, env: Env, escape = "\\"): string {
  return lex(input, env, escape, false).words.join("");
}

function lex(input: string, env: Env, escape: string, split: boolean): Lexed {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  const flush = () => {
    if (inWord) words.push(cur);
    cur = "";
    inWord = false;
  };
  while (i < input.length) {
    const c = input[i];
    if (split && /\s/.test(c)) {
      flush();
      i++;
      continue;
    }
    const wasInWord = inWord;
    inWord = true;
    if (c === escape) {
      if (i + 1 < input.length) cur += input[i + 1];
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) throw new ExpansionError(`unexpected end of statement while looking for matching single-quote in ${JSON.stringify(input)}`);
      cur += input.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      for (;;) {
        if (i >= input.length) throw new ExpansionError(`unexpected end of statement while looking for matching double-quote in ${JSON.stringify(input)}`);
        const d = input[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === escape && i + 1 < input.length && (input[i + 1] === '"' || input[i + 1] === "$" || input[i + 1] === escape)) {
          cur += input[i + 1];
          i += 2;
          continue;
        }
        if (d === "$") {
          const [value, next] = variable(input, i, env, escape);
          cur += value;
          i = next;
          continue;
        }
        cur += d;
        i++;
      }
      continue;
    }
    if (c === "$") {
      const [value, next] = variable(input, i, env, escape);
      i = next;
      if (!split) {
        cur += value;
        continue;
      }
      // An unquoted substitution is split into words on its whitespace.
      const parts = value.split(/\s+/);
      parts.forEach((part, n) => {
        if (n > 0) flush();
        cur += part;
        inWord = cur !== "" || (n === 0 && wasInWord);
      });
      continue;
    }
    cur += c;
    i++;
  }
  flush();
  return { words };
}

/** A substitution starting at input[at] === "$": returns its value and the index after it. */
function variable(input: string, at: number, env: Env, escape: string): [string, number] {
  let i = at + 1;
  if (input[i] === "{") {
    i++;
    const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i));
    if (!nameMatch) throw new ExpansionError(`bad substitution: missing variable name in ${JSON.stringify(input)}`);
    const name = nameMatch[0];
    i += name.length;
    if (input[i] === "}") return [env.get(name) ?? "", i + 1];
    if (input[i] === ":" && (input[i + 1] === "-" || input[i + 1] === "+")) {
      const op = input[i + 1];
      i += 2;
      // The word runs to the matching "}" and is itself expanded.
      let depth = 1;
      let j = i;
      while (j < input.length) {
        if (input[j] === escape) j += 2;
        else if (input[j] === "{") depth++, j++;
        else if (input[j] === "}" && --depth === 0) break;
        else j++;
      }
      if (j >= input.length) throw new ExpansionError(`missing '}' in ${JSON.stringify(input)}`);
      const word = expandWord(input.slice(i, j), env, escape);
      const set = (env.get(name) ?? "") !== "";
      return [op === "-" ? (set ? env.get(name)! : word) : set ? word : "", j + 1];
    }
    throw new ExpansionError(`unsupported modifier (${input[i] ?? "end of input"}) in substitution ${JSON.stringify(input.slice(at))}`);
  }
  const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i));
  if (!nameMatch) return ["$", i];
  return [env.get(nameMatch[0]) ?? "", i + nameMatch[0].length];
}
