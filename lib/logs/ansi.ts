// ANSI escape sequences in log lines → styled text segments. SGR (`ESC [ … m`) sets colours (16, 256 and truecolor,
// foreground and background), bold, dim, italic and underline; every other escape sequence (cursor moves, OSC titles
// and links, charset switches) and stray control characters are dropped. The result is plain data for React to render
// as text: nothing here ever becomes HTML.

export interface AnsiStyle {
  /** A CSS colour. */
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface AnsiSegment {
  text: string;
  style: AnsiStyle;
}

/** The 16 basic colours (xterm's defaults): 0–7 normal, 8–15 bright. */
export const BASIC_COLOURS = [
  "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
  "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
] as const;

const hex2 = (n: number) => n.toString(16).padStart(2, "0");
const rgb = (r: number, g: number, b: number) => `#${hex2(r)}${hex2(g)}${hex2(b)}`;

/** One of the 256 indexed colours: 16 basic, a 6×6×6 cube, 24 greys. */
export function colour256(n: number): string {
  if (n < 16) return BASIC_COLOURS[n];
  if (n < 232) {
    const i = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return rgb(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
  }
  const g = 8 + (n - 232) * 10;
  return rgb(g, g, g);
}

const byte = (v: number | undefined) => (v !== undefined && Number.isInteger(v) && v >= 0 && v <= 255 ? v : undefined);

/**
 * An extended colour after 38/48: `5;n` or `2;r;g;b` (also colon forms, `2::r:g:b` with an empty colour space).
 * Returns the colour (or undefined when malformed) and how many parameters it took.
 */
function extendedColour(params: number[][], i: number): { colour?: string; used: number } {
  const head = params[i];
  if (head.length > 1) {
    // Colon form: all in one parameter.
    const [, mode, ...rest] = head;
    if (mode === 5) return { colour: byte(rest[0]) !== undefined ? colour256(rest[0]) : undefined, used: 1 };
    if (mode === 2) {
      const v = rest.length >= 4 ? rest.slice(1, 4) : rest.slice(0, 3);
      const [r, g, b] = v.map(byte);
      return { colour: r !== undefined && g !== undefined && b !== undefined ? rgb(r, g, b) : undefined, used: 1 };
    }
    return { used: 1 };
  }
  const mode = params[i + 1]?.[0];
  if (mode === 5) {
    const n = byte(params[i + 2]?.[0]);
    return { colour: n !== undefined ? colour256(n) : undefined, used: 3 };
  }
  if (mode === 2) {
    const [r, g, b] = [params[i + 2]?.[0], params[i + 3]?.[0], params[i + 4]?.[0]].map(byte);
    return { colour: r !== undefined && g !== undefined && b !== undefined ? rgb(r, g, b) : undefined, used: 5 };
  }
  return { used: params.length - i };
}

/** The style after one SGR sequence's parameters (e.g. "1;31", "38;5;208", "" = reset). */
export function applySgr(style: AnsiStyle, paramText: string): AnsiStyle {
  const params = (paramText === "" ? "0" : paramText).split(";").map((p) => p.split(":").map((s) => (s === "" ? NaN : Number(s))));
  let s: AnsiStyle = { ...style };
  for (let i = 0; i < params.length; ) {
    const code = Number.isNaN(params[i][0]) ? 0 : params[i][0];
    if (code === 38 || code === 48) {
      const { colour, used } = extendedColour(params, i);
      if (colour) s = code === 38 ? { ...s, fg: colour } : { ...s, bg: colour };
      i += used;
      continue;
    }
    i++;
    if (code === 0) s = {};
    else if (code === 1) s.bold = true;
    else if (code === 2) s.dim = true;
    else if (code === 3) s.italic = true;
    else if (code === 4) s.underline = true;
    else if (code === 22) (delete s.bold, delete s.dim);
    else if (code === 23) delete s.italic;
    else if (code === 24) delete s.underline;
    else if (code >= 30 && code <= 37) s.fg = BASIC_COLOURS[code - 30];
    else if (code === 39) delete s.fg;
    else if (code >= 40 && code <= 47) s.bg = BASIC_COLOURS[code - 40];
    else if (code === 49) delete s.bg;
    else if (code >= 90 && code <= 97) s.fg = BASIC_COLOURS[code - 90 + 8];
    else if (code >= 100 && code <= 107) s.bg = BASIC_COLOURS[code - 100 + 8];
    // Anything else (blink, reverse, fonts, …) is ignored.
  }
  return s;
}

// ESC [ params intermediates final | ESC ] … (BEL | ESC \) | ESC P/X/^/_ … ESC \ | ESC + one char | other C0/DEL.
const ESCAPES = /\x1b\[([0-?]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b[ -/]*[0-~]?|[\x00-\x08\x0b-\x1f\x7f]/g;
const HAS_CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

/** Whether the text carries anything to parse (the common plain line takes the fast path). */
export const hasControl = (text: string) => HAS_CONTROL.test(text);

/** Splits a line into styled segments. Adjacent text of one style is one segment; empty segments are not returned. */
export function parseAnsi(text: string, initial: AnsiStyle = {}): AnsiSegment[] {
  if (!hasControl(text)) return text ? [{ text, style: initial }] : [];
  const out: AnsiSegment[] = [];
  let style = initial;
  let last = 0;
  const push = (t: string) => {
    if (!t) return;
    const prev = out[out.length - 1];
    if (prev && prev.style === style) prev.text += t;
    else out.push({ text: t, style });
  };
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(text); m; m = ESCAPES.exec(text)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[3] === "m" && m[2] === "" && /^[0-9;:]*$/.test(m[1])) style = applySgr(style, m[1]);
  }
  push(text.slice(last));
  return out;
}

/** The line's text with every escape sequence and control character removed (what search and download see). */
export function stripAnsi(text: string): string {
  if (!hasControl(text)) return text;
  return parseAnsi(text)
    .map((s) => s.text)
    .join("");
}
