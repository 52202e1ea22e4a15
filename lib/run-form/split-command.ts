// A command line typed into the run form, split into argv the way a POSIX shell splits words (no expansion):
//   echo "a b" 'c d' e\ f  →  ["echo", "a b", "c d", "e f"]
// Single quotes keep everything literally; inside double quotes a backslash escapes only \ " $ ` and newline;
// outside quotes a backslash escapes the next character. An unterminated quote or a trailing backslash is an error.

export class CommandLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommandLineError";
  }
}

export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`a single quote opened at character ${i + 1} is never closed`);
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      const start = i;
      i++;
      for (;;) {
        if (i >= line.length) throw new CommandLineError(`a double quote opened at character ${start + 1} is never closed`);
        const d = line[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === "\\" && i + 1 < line.length && '\\"$`\n'.includes(line[i + 1]!)) {
          if (line[i + 1] !== "\n") word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
    } else if (c === "\\") {
      if (i + 1 >= line.length) throw new CommandLineError("the command line ends with a lone backslash");
      if (line[i + 1] !== "\n") word += line[i + 1];
      i += 2;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
