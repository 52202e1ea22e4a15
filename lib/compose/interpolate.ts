// Compose's variable interpolation ("${VAR}", "${VAR:-default}", "${VAR-default}", "${VAR:?message}", "${VAR?message}",
// "${VAR:+alt}", "$VAR", "$$" for a literal "$"), applied to every string value of the file (not keys), with variables
// from the stack's `.env` file as `docker compose` reads them from the project directory. An unset variable becomes ""
// and is reported; a required one (":?", "?") that is unset is an issue naming the field.
export interface Interpolated {
  value: string;
  /** Variables used but not set (each became ""). */
  unset: string[];
  /** A required variable's message, when one was unset. */
  error?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(text: string, vars: ReadonlyMap<string, string>): Interpolated {
  let out = "";
  const unset: string[] = [];
  let error: string | undefined;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const close = findClose(text, i + 2);
      if (close < 0) {
        error ??= `invalid interpolation format in ${JSON.stringify(text)}: "\${" is not closed`;
        out += text.slice(i);
        break;
      }
      const body = text.slice(i + 2, close);
      const name = NAME.exec(body)?.[0];
      if (!name) {
        error ??= `invalid interpolation format in ${JSON.stringify(text)}: "\${${body}}" names no variable`;
        i = close + 1;
        continue;
      }
      const rest = body.slice(name.length);
      const has = vars.has(name);
      const val = vars.get(name) ?? "";
      const m = /^(:?)([-?+])([\s\S]*)$/.exec(rest);
      if (rest === "") {
        if (!has) unset.push(name);
        out += val;
      } else if (!m) {
        error ??= `invalid interpolation format in ${JSON.stringify(text)}: "\${${body}}"`;
      } else {
        const [, colon, op, arg] = m as unknown as [string, string, string, string];
        const missing = colon ? !has || val === "" : !has;
        const inner = () => {
          const r = interpolate(arg, vars);
          unset.push(...r.unset);
          error ??= r.error;
          return r.value;
        };
        if (op === "-") out += missing ? inner() : val;
        else if (op === "+") out += missing ? "" : inner();
        else if (missing) error ??= `required variable ${name} is missing a value${arg ? `: ${inner()}` : ""}`;
        else out += val;
      }
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (!name) {
      out += "$";
      i++;
      continue;
    }
    if (!vars.has(name)) unset.push(name);
    out += vars.get(name) ?? "";
    i += 1 + name.length;
  }
  return { value: out, unset, ...(error ? { error } : {}) };
}

/** The "}" closing a "${" whose body starts at `from`, nested "${…}" in defaults counted. */
function findClose(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (text[i] === "}" && --depth === 0) return i;
  }
  return -1;
}
