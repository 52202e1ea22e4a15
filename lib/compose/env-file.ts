// An env file's content as `docker compose` reads it (env_file: and the project's .env): one VAR=VALUE a line, blank
// lines and "#" comments skipped, an optional leading "export ", values in double quotes (with \n, \t, \", \\ escapes)
// or single quotes (literal), an unquoted value ending at " #". A line without "=" names a variable with no value: it
// is reported, as compose would take it from the shell that the cluster does not have.
export interface EnvFile {
  values: Map<string, string>;
  /** "line N: …" for each line that could not be read. */
  problems: string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function parseEnvFile(content: string): EnvFile {
  const values = new Map<string, string>();
  const problems: string[] = [];
  const lines = content.replace(/\r\n?/g, "\n").split("\n");
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("export ")) line = line.slice(7).trimStart();
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (!KEY.test(key)) {
      problems.push(`line ${n + 1}: ${JSON.stringify(key)} is not a variable name`);
      continue;
    }
    if (eq < 0) {
      problems.push(`line ${n + 1}: ${key} has no value (compose would read it from its shell, which the cluster does not have)`);
      continue;
    }
    let raw = line.slice(eq + 1).trimStart();
    let value: string;
    if (raw.startsWith('"')) {
      // A double-quoted value may span lines.
      let body = raw.slice(1);
      let end = closingQuote(body, '"');
      while (end < 0 && n + 1 < lines.length) {
        body += "\n" + lines[++n]!;
        end = closingQuote(body, '"');
      }
      if (end < 0) {
        problems.push(`line ${n + 1}: ${key}'s double quote is not closed`);
        continue;
      }
      value = body.slice(0, end).replace(/\\(.)/g, (_, ch: string) => ({ n: "\n", t: "\t", r: "\r" })[ch] ?? ch);
    } else if (raw.startsWith("'")) {
      const end = raw.indexOf("'", 1);
      if (end < 0) {
        problems.push(`line ${n + 1}: ${key}'s single quote is not closed`);
        continue;
      }
      value = raw.slice(1, end);
    } else {
      const hash = raw.search(/\s#/);
      if (hash >= 0) raw = raw.slice(0, hash);
      value = raw.trimEnd();
    }
    values.set(key, value);
  }
  return { values, problems };
}

function closingQuote(s: string, q: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === q) return i;
  }
  return -1;
}
