// YAML for manifests, read the way kubectl reads them (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1 scalars) and
// written the way `kubectl get -o yaml` writes them (keys sorted, sequences not indented under their key, multi-line
// strings as literal blocks). There is no YAML package in this repository's dependencies, so this is its own small
// parser for what manifests use: block and flow collections, plain/quoted/literal/folded scalars, comments, several
// documents per stream, anchors, aliases, merge keys (<<) and the standard !! tags. What it does not read (complex
// `?` keys, %TAG directives, custom tags, anchors on keys) is refused with the line, never guessed.
//
// Values come out as JSON does: objects with string keys (a key that reads as a number or boolean becomes its text,
// as sigs.k8s.io/yaml converts it), arrays, strings, numbers, booleans and null.

export class YamlError extends Error {
  constructor(
    message: string,
    /** 1-based line in the stream. */
    readonly line: number,
    /** 1-based column. */
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = "YamlError";
  }
}

export interface YamlDocument {
  value: unknown;
  /** 1-based line where the document's content starts. */
  line: number;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// ---- scalars (go-yaml v2's resolve table) ----

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const TRUES = new Set(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const FALSES = new Set(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);
const SPECIAL_FLOATS = new Set([".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"]);
/** Go's strconv.ParseInt(s, 0, 64) after go-yaml removed underscores: decimal, 0x hex, 0o/0 octal, 0b binary. */
const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/;
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

function parseGoInt(s: string): number {
  let sign = 1;
  let body = s;
  if (body[0] === "+" || body[0] === "-") {
    if (body[0] === "-") sign = -1;
    body = body.slice(1);
  }
  const lower = body.toLowerCase();
  if (lower.startsWith("0x")) return sign * parseInt(body.slice(2), 16);
  if (lower.startsWith("0b")) return sign * parseInt(body.slice(2), 2);
  if (lower.startsWith("0o")) return sign * parseInt(body.slice(2), 8);
  if (body.length > 1 && body[0] === "0") return sign * parseInt(body.slice(1), 8);
  return sign * Number(body);
}

/** What a plain (unquoted) scalar means. Throws for NaN and infinities, which JSON cannot carry. */
export function resolvePlain(s: string): null | boolean | number | string {
  if (NULLS.has(s)) return null;
  if (TRUES.has(s)) return true;
  if (FALSES.has(s)) return false;
  if (SPECIAL_FLOATS.has(s)) throw new Error(`${s} is not a number JSON can carry`);
  const c = s[0]!;
  if ((c >= "0" && c <= "9") || c === "+" || c === "-") {
    const plain = s.replace(/_/g, "");
    if (GO_INT.test(plain)) return parseGoInt(plain);
    if (YAML_FLOAT.test(plain)) return Number(plain);
    return s;
  }
  if (c === "." && /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(s)) return Number(s);
  return s;
}

// ---- reading ----

const isSpace = (c: string | undefined) => c === " " || c === "\t";
const isBlankOrEnd = (c: string | undefined) => c === undefined || c === " " || c === "\t";
const FLOW_INDICATORS = ",[]{}";

interface Props {
  anchor?: string;
  tag?: string;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

class DocumentParser {
  private readonly anchors = new Map<string, Json>();
  /** Where in `lines` the cursor is: lines before `row` are consumed. */
  private row = 0;

  constructor(
    /** The document's lines; a consumed prefix of a line (a `- ` or `--- `) is overwritten with spaces. */
    private readonly lines: string[],
    /** The stream line of lines[0], 1-based. */
    private readonly firstLine: number,
    /** Whether the last line ends with a line break (a stream's last line may not), which chomping counts. */
    private readonly lastLineBroken = true,
  ) {}

  fail(message: string, row: number, col: number): never {
    throw new YamlError(message, this.firstLine + row, col + 1);
  }

  parse(): Json | undefined {
    this.skipBlank();
    if (this.row >= this.lines.length) return undefined;
    const value = this.blockNode(-1);
    this.skipBlank();
    if (this.row < this.lines.length) {
      const line = this.lines[this.row]!;
      this.fail("unexpected content after the document's top-level node (check its indentation)", this.row, indentOf(line));
    }
    return value;
  }

  // -- lines --

  /** Skips empty and comment-only lines; rejects tabs in indentation. */
  private skipBlank(): void {
    while (this.row < this.lines.length) {
      const line = this.lines[this.row]!;
      const trimmed = line.trimStart();
      if (trimmed === "" || trimmed.startsWith("#")) {
        this.row++;
        continue;
      }
      const lead = line.slice(0, line.length - trimmed.length);
      if (lead.includes("\t")) this.fail("a tab character is not allowed in indentation", this.row, lead.indexOf("\t"));
      return;
    }
  }

  /** The node on the current line (and those after), whose indentation must be more than `parent`. */
  private blockNode(parent: number, props: Props = {}): Json {
    this.skipBlank();
    if (this.row >= this.lines.length) return this.withProps(null, props, this.row, 0);
    const line = this.lines[this.row]!;
    const col = indentOf(line);
    if (col <= parent) return this.withProps(null, props, this.row, col);
    const rest = line.slice(col);

    if (rest[0] === "-" && isBlankOrEnd(rest[1])) return this.withProps(this.blockSequence(col), props, this.row, col);
    if (rest[0] === "?" && isBlankOrEnd(rest[1])) this.fail("complex mapping keys (`? key`) are not supported", this.row, col);
    if (rest[0] === "&" || rest[0] === "!") {
      const row = this.row;
      const { props: own, end } = this.properties(line, col);
      const merged = mergeProps(props, own, () => this.fail("a node has two anchors or two tags", row, col));
      const after = skipSpaces(line, end);
      if (after >= line.length || line[after] === "#") {
        this.row++;
        return this.blockNode(parent, merged);
      }
      if (this.mappingKeyEnd(line, after) !== null) this.fail("anchors and tags on mapping keys are not supported", row, col);
      this.lines[row] = " ".repeat(after) + line.slice(after);
      return this.blockNode(parent, merged);
    }
    if (this.mappingKeyEnd(line, col) !== null) return this.withProps(this.blockMapping(col), props, this.row, col);
    return this.inlineNode(parent, col, props);
  }

  /** A node that starts at `col` of the current line and is not a block collection: a scalar, flow node or alias. */
  private inlineNode(parent: number, col: number, props: Props): Json {
    const row = this.row;
    const line = this.lines[row]!;
    const c = line[col];
    if (c === "|" || c === ">") return this.withProps(this.blockScalar(parent, col), props, row, col);
    if (c === "*") {
      if (props.anchor || props.tag) this.fail("an alias cannot have an anchor or a tag", row, col);
      const { name, end } = this.anchorName(line, col + 1, row);
      this.expectLineEnd(end, "after an alias");
      if (!this.anchors.has(name)) this.fail(`unknown anchor "${name}" referenced`, row, col);
      return clone(this.anchors.get(name)!);
    }
    if (c === "[" || c === "{") {
      const pos = { row, col };
      const value = this.flowCollection(pos);
      this.row = pos.row;
      this.expectLineEnd(pos.col, `after the flow ${c === "[" ? "sequence" : "mapping"}`);
      return this.withProps(value, props, row, col);
    }
    if (c === '"' || c === "'") {
      const pos = { row, col };
      const text = c === '"' ? this.doubleQuoted(pos) : this.singleQuoted(pos);
      this.row = pos.row;
      this.expectLineEnd(pos.col, "after a quoted string");
      return this.withProps(text, props, row, col);
    }
    if (c === "-" && isBlankOrEnd(line[col + 1])) this.fail("block sequence entries are not allowed in this context", row, col);
    if (c !== undefined && "@`%".includes(c)) this.fail(`a plain scalar cannot start with "${c}"`, row, col);
    if (c !== undefined && FLOW_INDICATORS.includes(c)) this.fail(`unexpected "${c}"`, row, col);
    return this.withProps(this.plainMultiline(parent, col), props, row, col, true);
  }

  /** After a node on one line, only a comment may follow. */
  private expectLineEnd(col: number, what: string): void {
    const line = this.lines[this.row]!;
    const at = skipSpaces(line, col);
    if (at < line.length && line[at] !== "#") {
      if (line[at] === ":") this.fail("mapping keys must be plain or quoted scalars written on one line", this.row, at);
      this.fail(`unexpected content ${what}`, this.row, at);
    }
    this.row++;
  }

  // -- block collections --

  private blockSequence(indent: number): Json[] {
    const out: Json[] = [];
    for (;;) {
      this.skipBlank();
      if (this.row >= this.lines.length) break;
      const line = this.lines[this.row]!;
      const col = indentOf(line);
      if (col < indent) break;
      if (col > indent) this.fail("bad indentation of a sequence entry", this.row, col);
      if (!(line[col] === "-" && isBlankOrEnd(line[col + 1]))) {
        if (this.mappingKeyEnd(line, col) !== null) break; // the mapping this sequence is a value of goes on
        this.fail("expected a sequence entry (`- `) at this indentation", this.row, col);
      }
      // The entry's content is read as if the dash were a space: `- a: 1` is a mapping indented past the dash.
      this.lines[this.row] = line.slice(0, col) + " " + line.slice(col + 1);
      out.push(this.blockNode(indent));
    }
    return out;
  }

  private blockMapping(indent: number): Json {
    const out: Record<string, Json> = {};
    /** Each key given explicitly, and the stream line it was given on. */
    const explicit = new Map<string, number>();
    const merges: Array<Record<string, Json>> = [];
    for (;;) {
      this.skipBlank();
      if (this.row >= this.lines.length) break;
      const row = this.row;
      const line = this.lines[row]!;
      const col = indentOf(line);
      if (col < indent) break;
      if (col > indent) this.fail("bad indentation of a mapping entry", row, col);
      if (line[col] === "-" && isBlankOrEnd(line[col + 1])) this.fail("a sequence entry where a mapping key was expected", row, col);
      if (line[col] === "?" && isBlankOrEnd(line[col + 1])) this.fail("complex mapping keys (`? key`) are not supported", row, col);
      const keyEnd = this.mappingKeyEnd(line, col);
      if (keyEnd === null) this.fail("expected a mapping key (`key: value`)", row, col);
      const { key, isMerge } = this.readKey(line, col, keyEnd.keyEnd, row);
      if (!isMerge && explicit.has(key)) this.fail(`mapping key "${key}" already defined at line ${explicit.get(key)}`, row, col);

      // The value: on this line after the colon, or on the lines below.
      let valueCol = skipSpaces(line, keyEnd.colon + 1);
      let props: Props = {};
      if (line[valueCol] === "&" || line[valueCol] === "!") {
        const p = this.properties(line, valueCol);
        props = p.props;
        valueCol = skipSpaces(line, p.end);
      }
      let value: Json;
      if (valueCol >= line.length || line[valueCol] === "#") {
        this.row++;
        this.skipBlank();
        const next = this.lines[this.row];
        // `key:` followed by a sequence at the key's own indentation is the key's value (kubectl writes these).
        if (next !== undefined && indentOf(next) === indent && next[indent] === "-" && isBlankOrEnd(next[indent + 1])) value = this.withProps(this.blockSequence(indent), props, this.row, indent);
        else value = this.blockNode(indent, props);
      } else {
        value = this.inlineNode(indent, valueCol, props);
      }
      if (isMerge) {
        const sources = Array.isArray(value) ? value : [value];
        for (const s of sources) {
          if (!s || typeof s !== "object" || Array.isArray(s)) this.fail("a merge key (<<) takes a mapping or a list of mappings", row, col);
          merges.push(s as Record<string, Json>);
        }
        continue;
      }
      explicit.set(key, this.firstLine + row);
      out[key] = value;
    }
    for (const source of merges) for (const [k, v] of Object.entries(source)) if (!Object.hasOwn(out, k)) out[k] = v;
    return out;
  }

  /**
   * Where a block mapping key starting at `col` ends: the colon (followed by a space or the line's end) after a plain
   * or quoted key on this line; null when the line there is not a mapping entry.
   */
  private mappingKeyEnd(line: string, col: number): { keyEnd: number; colon: number } | null {
    const c = line[col];
    if (c === undefined || c === "#") return null;
    if (c === '"' || c === "'") {
      const close = findQuoteEnd(line, col);
      if (close < 0) return null;
      const at = skipSpaces(line, close + 1);
      return line[at] === ":" && isBlankOrEnd(line[at + 1]) ? { keyEnd: close + 1, colon: at } : null;
    }
    if ("[{|>*&!%@`".includes(c)) return null;
    if ((c === "-" || c === "?" || c === ":") && isBlankOrEnd(line[col + 1])) return null;
    for (let i = col; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === "#" && isSpace(line[i - 1])) return null;
      if (ch === ":" && isBlankOrEnd(line[i + 1])) return { keyEnd: i, colon: i };
    }
    return null;
  }

  private readKey(line: string, col: number, end: number, row: number): { key: string; isMerge: boolean } {
    const c = line[col];
    if (c === '"' || c === "'") {
      const pos = { row, col };
      const text = c === '"' ? this.doubleQuoted(pos) : this.singleQuoted(pos);
      return { key: text, isMerge: false };
    }
    const raw = line.slice(col, end).trimEnd();
    if (raw === "<<") return { key: raw, isMerge: true };
    const resolved = this.resolve(raw, row, col);
    if (resolved === null) this.fail(`a mapping key cannot be null (write "${raw}" in quotes for the text)`, row, col);
    return { key: keyString(resolved), isMerge: false };
  }

  // -- properties --

  private properties(line: string, col: number): { props: Props; end: number } {
    const props: Props = {};
    let i = col;
    for (;;) {
      if (line[i] === "&") {
        if (props.anchor !== undefined) this.fail("a node has two anchors", this.row, i);
        const { name, end } = this.anchorName(line, i + 1, this.row);
        props.anchor = name;
        i = end;
      } else if (line[i] === "!") {
        if (props.tag !== undefined) this.fail("a node has two tags", this.row, i);
        let end = i + 1;
        if (line[end] === "<") {
          end = line.indexOf(">", end);
          if (end < 0) this.fail("an unterminated verbatim tag", this.row, i);
          end++;
        } else while (end < line.length && !isSpace(line[end]) && !",[]{}".includes(line[end]!)) end++;
        props.tag = normalizeTag(line.slice(i, end), () => this.fail(`the tag ${line.slice(i, end)} is not supported (only the standard !!str, !!int, !!float, !!bool, !!null, !!map, !!seq, !!binary, !!timestamp)`, this.row, i));
        i = end;
      } else break;
      const next = skipSpaces(line, i);
      if (line[next] !== "&" && line[next] !== "!") return { props, end: i };
      if (next === i) this.fail("expected a space after a node property", this.row, i);
      i = next;
    }
    return { props, end: i };
  }

  private anchorName(line: string, start: number, row: number): { name: string; end: number } {
    let end = start;
    while (end < line.length && !isSpace(line[end]) && !",[]{}".includes(line[end]!)) end++;
    if (end === start) this.fail("an anchor or alias needs a name", row, start - 1);
    return { name: line.slice(start, end), end };
  }

  /** `plain`: the value was a plain scalar, whose text a tag reads again (`!!str 123` is "123"). */
  private withProps(value: Json, props: Props, row: number, col: number, plain = false): Json {
    let v = value;
    if (props.tag) v = this.applyTag(v, props.tag, row, col, plain);
    if (props.anchor !== undefined) this.anchors.set(props.anchor, clone(v));
    return v;
  }

  private applyTag(value: Json, tag: string, row: number, col: number, plain: boolean): Json {
    // A plain scalar was resolved already; its text is what a tag re-reads.
    const text = plain && typeof value !== "string" ? this.lastPlainText : typeof value === "string" ? value : null;
    switch (tag) {
      case "!":
      case "str":
      case "timestamp":
        if (text === null) this.fail(`!!${tag === "!" ? "str" : tag} on a collection`, row, col);
        return text;
      case "binary":
        if (text === null) this.fail("!!binary on a collection", row, col);
        return text.replace(/\s+/g, "");
      case "int": {
        const s = text?.replace(/_/g, "");
        if (s === undefined || !GO_INT.test(s)) this.fail(`${JSON.stringify(text)} is not an integer (!!int)`, row, col);
        return parseGoInt(s);
      }
      case "float": {
        const s = text?.replace(/_/g, "");
        if (s === undefined || !(YAML_FLOAT.test(s) || GO_INT.test(s))) this.fail(`${JSON.stringify(text)} is not a number (!!float)`, row, col);
        return Number(s);
      }
      case "bool":
        if (text === null || !(TRUES.has(text) || FALSES.has(text))) this.fail(`${JSON.stringify(text)} is not a boolean (!!bool)`, row, col);
        return TRUES.has(text);
      case "null":
        if (text !== null && !NULLS.has(text)) this.fail(`${JSON.stringify(text)} is not null (!!null)`, row, col);
        return null;
      case "map":
        if (value !== null && (typeof value !== "object" || Array.isArray(value))) this.fail("!!map on something that is not a mapping", row, col);
        return value ?? {};
      case "seq":
        if (value !== null && !Array.isArray(value)) this.fail("!!seq on something that is not a sequence", row, col);
        return value ?? [];
    }
    return this.fail(`the tag ${tag} is not supported`, row, col);
  }

  private lastPlainText: string | null = null;

  private resolve(text: string, row: number, col: number): Json {
    this.lastPlainText = text;
    try {
      return resolvePlain(text);
    } catch (e) {
      return this.fail((e as Error).message, row, col);
    }
  }

  // -- scalars --

  /** A plain scalar in block context from `col`, continued on following lines indented past `parent`. */
  private plainMultiline(parent: number, col: number): Json {
    const startRow = this.row;
    const parts: string[] = [this.plainLine(this.lines[this.row]!, col, this.row)];
    this.row++;
    let breaks = 0;
    while (this.row < this.lines.length) {
      const line = this.lines[this.row]!;
      const trimmed = line.trim();
      if (trimmed === "") {
        breaks++;
        this.row++;
        continue;
      }
      const ind = indentOf(line);
      if (ind <= parent || trimmed.startsWith("#")) break;
      if (line.slice(0, ind).includes("\t")) this.fail("a tab character is not allowed in indentation", this.row, line.indexOf("\t"));
      parts.push(breaks ? "\n".repeat(breaks) : " ");
      parts.push(this.plainLine(line, ind, this.row));
      breaks = 0;
      this.row++;
    }
    const text = parts.join("");
    return parts.length === 1 ? this.resolve(text, startRow, col) : text;
  }

  /** One line's part of a plain scalar (block context), up to a comment. */
  private plainLine(line: string, col: number, row: number): string {
    let end = line.length;
    for (let i = col; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === "#" && isSpace(line[i - 1])) {
        end = i;
        break;
      }
      if (ch === ":" && isBlankOrEnd(line[i + 1])) this.fail("mapping values are not allowed in this context", row, i);
    }
    return line.slice(col, end).trim();
  }

  private blockScalar(parent: number, col: number): string {
    const row = this.row;
    const line = this.lines[row]!;
    const folded = line[col] === ">";
    let chomp: "clip" | "strip" | "keep" = "clip";
    let explicit = 0;
    let i = col + 1;
    for (let k = 0; k < 2; k++) {
      const ch = line[i];
      if (ch === "-" || ch === "+") {
        chomp = ch === "-" ? "strip" : "keep";
        i++;
      } else if (ch !== undefined && ch >= "1" && ch <= "9") {
        explicit = Number(ch);
        i++;
      }
    }
    const after = skipSpaces(line, i);
    if (after < line.length && line[after] !== "#") this.fail("unexpected content after a block scalar's header", row, after);
    if (after < line.length && after === i && line[after] === "#") this.fail("a comment needs a space before it", row, after);
    this.row++;

    const base = Math.max(parent, 0);
    let indent = explicit ? (parent < 0 ? explicit : base + explicit) : 0;
    const content: string[] = [];
    while (this.row < this.lines.length) {
      const l = this.lines[this.row]!;
      if (l.trim() === "") {
        content.push(l);
        this.row++;
        continue;
      }
      const ind = indentOf(l);
      if (!indent) {
        if (ind <= parent) break;
        indent = ind;
      }
      if (ind < indent) {
        if (ind > parent && !l.slice(0, ind).includes("\t")) this.fail("bad indentation in a block scalar", this.row, ind);
        break;
      }
      content.push(l);
      this.row++;
    }
    // Trailing blank lines belong to the scalar (for chomping) only as far as they were read; the rest is the stream's.
    const texts = content.map((l) => (l.trim() === "" && l.length <= indent ? "" : l.slice(indent)));
    let out = "";
    let emptyLines = 0;
    let didReadContent = false;
    let atMoreIndented = false;
    for (const t of texts) {
      if (t === "") {
        emptyLines++;
        continue;
      }
      if (folded) {
        if (isSpace(t[0])) {
          atMoreIndented = true;
          out += "\n".repeat(didReadContent ? 1 + emptyLines : emptyLines);
        } else if (atMoreIndented) {
          atMoreIndented = false;
          out += "\n".repeat(emptyLines + 1);
        } else if (emptyLines === 0) {
          if (didReadContent) out += " ";
        } else {
          out += "\n".repeat(emptyLines);
        }
      } else {
        out += "\n".repeat(didReadContent ? 1 + emptyLines : emptyLines);
      }
      out += t;
      didReadContent = true;
      emptyLines = 0;
    }
    // The stream's very last line may have no line break of its own: then there is one break fewer to keep.
    const missingBreak = this.row >= this.lines.length && !this.lastLineBroken ? 1 : 0;
    if (chomp === "keep") out += "\n".repeat(Math.max(0, (didReadContent ? 1 + emptyLines : emptyLines) - missingBreak));
    else if (chomp === "clip" && didReadContent && (emptyLines > 0 || !missingBreak)) out += "\n";
    return out;
  }

  /** A single-quoted scalar starting at pos (which moves past its end); may span lines. */
  private singleQuoted(pos: { row: number; col: number }): string {
    const startRow = pos.row;
    const startCol = pos.col;
    let out = "";
    let line = this.lines[pos.row]!;
    let i = pos.col + 1;
    for (;;) {
      if (i >= line.length) {
        const folded = this.foldQuotedBreak(pos, out, startRow, startCol, "'");
        out = folded.text;
        line = this.lines[pos.row]!;
        i = folded.col;
        continue;
      }
      const ch = line[i]!;
      if (ch === "'") {
        if (line[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        pos.col = i + 1;
        return out;
      }
      out += ch;
      i++;
    }
  }

  private doubleQuoted(pos: { row: number; col: number }): string {
    const startRow = pos.row;
    const startCol = pos.col;
    let out = "";
    let line = this.lines[pos.row]!;
    let i = pos.col + 1;
    for (;;) {
      if (i >= line.length) {
        const folded = this.foldQuotedBreak(pos, out, startRow, startCol, '"');
        out = folded.text;
        line = this.lines[pos.row]!;
        i = folded.col;
        continue;
      }
      const ch = line[i]!;
      if (ch === '"') {
        pos.col = i + 1;
        return out;
      }
      if (ch !== "\\") {
        out += ch;
        i++;
        continue;
      }
      const e = line[i + 1];
      if (e === undefined) {
        // An escaped line break: the next line's leading white space goes, and no space is added.
        pos.row++;
        if (pos.row >= this.lines.length) this.fail('a double-quoted string is not closed (")', startRow, startCol);
        line = this.lines[pos.row]!;
        i = skipSpaces(line, 0);
        continue;
      }
      const simple: Record<string, string> = {
        "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
        N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029",
      };
      if (e in simple) {
        out += simple[e];
        i += 2;
        continue;
      }
      const width = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
      if (!width) this.fail(`unknown escape sequence "\\${e}" in a double-quoted string`, pos.row, i);
      const hex = line.slice(i + 2, i + 2 + width);
      if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) this.fail(`"\\${e}" needs ${width} hexadecimal digits`, pos.row, i);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) this.fail(`"\\${e}${hex}" is not a Unicode character`, pos.row, i);
      out += String.fromCodePoint(code);
      i += 2 + width;
    }
  }

  /** A line break inside a quoted scalar: trailing spaces go, one break is a space, each empty line a newline. */
  private foldQuotedBreak(pos: { row: number; col: number }, text: string, startRow: number, startCol: number, quote: string): { text: string; col: number } {
    let out = text.replace(/[ \t]+$/, "");
    let empties = 0;
    for (;;) {
      pos.row++;
      if (pos.row >= this.lines.length) this.fail(`a quoted string is not closed (${quote})`, startRow, startCol);
      const line = this.lines[pos.row]!;
      if (line.trim() === "") {
        empties++;
        continue;
      }
      out += empties ? "\n".repeat(empties) : " ";
      return { text: out, col: skipSpaces(line, 0) };
    }
  }

  // -- flow collections --

  /** Skips spaces, line breaks and comments inside a flow collection. */
  private flowSpace(pos: { row: number; col: number }, open: { row: number; col: number }): void {
    for (;;) {
      const line = this.lines[pos.row];
      if (line === undefined) this.fail("a flow collection is not closed", open.row, open.col);
      const at = skipSpaces(line, pos.col);
      if (at >= line.length || (line[at] === "#" && (at === 0 || isSpace(line[at - 1])))) {
        pos.row++;
        pos.col = 0;
        continue;
      }
      pos.col = at;
      return;
    }
  }

  private flowCollection(pos: { row: number; col: number }): Json {
    const open = { ...pos };
    const seq = this.lines[pos.row]![pos.col] === "[";
    const close = seq ? "]" : "}";
    pos.col++;
    const items: Json[] = [];
    const map: Record<string, Json> = {};
    for (;;) {
      this.flowSpace(pos, open);
      let line = this.lines[pos.row]!;
      if (line[pos.col] === close) {
        pos.col++;
        return seq ? items : map;
      }
      if (line[pos.col] === "?" && isBlankOrEnd(line[pos.col + 1])) this.fail("complex mapping keys (`? key`) are not supported", pos.row, pos.col);
      const keyAt = { ...pos };
      const first = this.flowNode(pos, open);
      this.flowSpace(pos, open);
      line = this.lines[pos.row]!;
      // `key: value` (or JSON's `"key":value`): a pair — in a mapping, or a single-pair mapping in a sequence.
      if (line[pos.col] === ":" && (isBlankOrEnd(line[pos.col + 1]) || FLOW_INDICATORS.includes(line[pos.col + 1]!) || first.quoted)) {
        if (first.value !== null && typeof first.value === "object") this.fail("mapping keys must be scalars", keyAt.row, keyAt.col);
        if (first.value === null) this.fail("a mapping key cannot be null", keyAt.row, keyAt.col);
        pos.col++;
        this.flowSpace(pos, open);
        line = this.lines[pos.row]!;
        const value = line[pos.col] === "," || line[pos.col] === close ? null : this.flowNode(pos, open).value;
        const key = keyString(first.value);
        if (seq) items.push({ [key]: value });
        else {
          if (Object.hasOwn(map, key)) this.fail(`mapping key "${key}" already defined`, keyAt.row, keyAt.col);
          map[key] = value;
        }
      } else if (seq) items.push(first.value);
      else {
        if (first.value === null || typeof first.value === "object") this.fail("mapping keys must be scalars", keyAt.row, keyAt.col);
        const key = keyString(first.value);
        if (Object.hasOwn(map, key)) this.fail(`mapping key "${key}" already defined`, keyAt.row, keyAt.col);
        map[key] = null;
      }
      this.flowSpace(pos, open);
      line = this.lines[pos.row]!;
      if (line[pos.col] === ",") {
        pos.col++;
        continue;
      }
      if (line[pos.col] === close) continue;
      this.fail(`expected "," or "${close}" in a flow ${seq ? "sequence" : "mapping"}`, pos.row, pos.col);
    }
  }

  private flowNode(pos: { row: number; col: number }, open: { row: number; col: number }): { value: Json; quoted: boolean } {
    let line = this.lines[pos.row]!;
    let props: Props = {};
    const at = { ...pos };
    if (line[pos.col] === "&" || line[pos.col] === "!") {
      const p = this.propertiesAt(pos);
      props = p;
      this.flowSpace(pos, open);
      line = this.lines[pos.row]!;
    }
    const c = line[pos.col];
    if (c === "[" || c === "{") return { value: this.withProps(this.flowCollection(pos), props, at.row, at.col), quoted: false };
    if (c === '"' || c === "'") {
      const text = c === '"' ? this.doubleQuoted(pos) : this.singleQuoted(pos);
      return { value: this.withProps(text, props, at.row, at.col), quoted: true };
    }
    if (c === "*") {
      const { name, end } = this.anchorName(line, pos.col + 1, pos.row);
      if (!this.anchors.has(name)) this.fail(`unknown anchor "${name}" referenced`, pos.row, pos.col);
      pos.col = end;
      return { value: clone(this.anchors.get(name)!), quoted: false };
    }
    if (c !== undefined && ("]}".includes(c) || c === ",")) {
      if (props.anchor || props.tag) return { value: this.withProps(null, props, at.row, at.col), quoted: false };
      this.fail(`unexpected "${c}"`, pos.row, pos.col);
    }
    if (c !== undefined && "@`%|>".includes(c)) this.fail(`a plain scalar cannot start with "${c}"`, pos.row, pos.col);
    // A plain scalar in flow context: up to a flow indicator, `: `, ` #` or the line's end.
    let end = pos.col;
    for (; end < line.length; end++) {
      const ch = line[end]!;
      if (FLOW_INDICATORS.includes(ch)) break;
      if (ch === ":" && (isBlankOrEnd(line[end + 1]) || FLOW_INDICATORS.includes(line[end + 1]!))) break;
      if (ch === "#" && isSpace(line[end - 1])) break;
    }
    const text = line.slice(pos.col, end).trim();
    const value = this.resolve(text, pos.row, pos.col);
    pos.col = end;
    return { value: this.withProps(value, props, at.row, at.col, true), quoted: false };
  }

  private propertiesAt(pos: { row: number; col: number }): Props {
    const line = this.lines[pos.row]!;
    const saved = this.row;
    this.row = pos.row;
    const { props, end } = this.properties(line, pos.col);
    this.row = saved;
    pos.col = end;
    return props;
  }
}

function mergeProps(a: Props, b: Props, conflict: () => never): Props {
  if ((a.anchor && b.anchor) || (a.tag && b.tag)) conflict();
  return { ...a, ...b };
}

function normalizeTag(raw: string, unsupported: () => never): string {
  if (raw === "!") return "!";
  const name = raw.startsWith("!!") ? raw.slice(2) : raw.startsWith("!<tag:yaml.org,2002:") && raw.endsWith(">") ? raw.slice(20, -1) : null;
  if (name && ["str", "int", "float", "bool", "null", "map", "seq", "binary", "timestamp"].includes(name)) return name;
  return unsupported();
}

/** A mapping key as JSON has it: text (numbers and booleans as sigs.k8s.io/yaml prints them). */
function keyString(v: Json): string {
  return typeof v === "string" ? v : String(v);
}

/** Indentation counts spaces only; a tab in it is refused where it matters (skipBlank). */
function indentOf(line: string): number {
  let n = 0;
  while (line[n] === " ") n++;
  return n;
}
const skipSpaces = (line: string, from: number) => {
  let i = from;
  while (i < line.length && isSpace(line[i])) i++;
  return i;
};

function findQuoteEnd(line: string, col: number): number {
  const q = line[col];
  for (let i = col + 1; i < line.length; i++) {
    if (q === "'" && line[i] === "'") {
      if (line[i + 1] === "'") {
        i++;
        continue;
      }
      return i;
    }
    if (q === '"') {
      if (line[i] === "\\") {
        i++;
        continue;
      }
      if (line[i] === '"') return i;
    }
  }
  return -1;
}

/** One document of a stream: its value, or the error that stopped reading it. */
export interface YamlChunk {
  /** 1-based line of the document's first content. */
  line: number;
  value?: unknown;
  error?: YamlError;
}

/**
 * Every non-empty document of a YAML stream, in order, each read on its own: a broken document is reported with its
 * error and the others are still read. Empty documents (only comments, or nothing between two `---`) are left out,
 * as kubectl leaves them out.
 */
export function readYamlDocuments(text: string): YamlChunk[] {
  const normalized = text.replace(/^\ufeff/, "").replace(/\r\n?/g, "\n");
  const lines = normalized.split("\n");
  // A final line break ends the last line; it does not start another.
  const finalBreak = normalized.endsWith("\n");
  if (finalBreak) lines.pop();
  const out: YamlChunk[] = [];
  let current: string[] = [];
  let start = 0; // index in `lines` of current[0]
  let inPrologue = true;
  let pendingError: YamlError | undefined;
  const isContent = (l: string) => l.trim() !== "" && !l.trim().startsWith("#");
  /** Reads the document gathered so far; `broken`: whether its last line ends with a line break. */
  const flush = (nextStart: number, broken = true) => {
    const first = current.findIndex(isContent);
    if (pendingError) out.push({ line: pendingError.line, error: pendingError });
    else if (first >= 0) {
      try {
        const value = new DocumentParser(current, start + 1, broken).parse();
        if (value !== undefined) out.push({ line: start + 1 + first, value });
      } catch (e) {
        if (!(e instanceof YamlError)) throw e;
        out.push({ line: start + 1 + first, error: e });
      }
    }
    current = [];
    start = nextStart;
    inPrologue = true;
    pendingError = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inPrologue && !current.some(isContent) && line.startsWith("%")) {
      if (!/^%YAML\s/.test(line)) pendingError ??= new YamlError(`the directive ${line.split(/\s/)[0]} is not supported`, i + 1, 1);
      if (current.length === 0) start = i;
      current.push("");
      continue;
    }
    if (/^---(?:[ \t]|$)/.test(line)) {
      if (current.some(isContent) || !inPrologue) flush(i);
      else start = i - current.length;
      // The marker's own line may carry the document's first node (`--- |`, `--- {a: 1}`): kept, the marker blanked.
      current.push("   " + line.slice(3));
      inPrologue = false;
      continue;
    }
    if (/^\.\.\.(?:[ \t]|$)/.test(line)) {
      const rest = line.slice(3).trim();
      if (rest && !rest.startsWith("#")) pendingError ??= new YamlError("unexpected content after the document end marker (...)", i + 1, 5);
      flush(i + 1);
      continue;
    }
    if (current.length === 0) start = i;
    current.push(line);
    if (isContent(line)) inPrologue = false;
  }
  if (current.length) flush(lines.length, finalBreak);
  return out;
}

/** Every non-empty document of a YAML stream; throws the first document's YamlError. */
export function parseYamlStream(text: string): YamlDocument[] {
  return readYamlDocuments(text).map((d) => {
    if (d.error) throw d.error;
    return { value: d.value, line: d.line };
  });
}

// ---- writing ----

const INDICATOR_START = /^[-?:,[\]{}#&*!|>'"%@`]/;
/** Text some YAML reader (1.1 or 1.2) takes for a number: decimal with underscores, hex, octal, binary, base 60, inf, nan. */
const NUMBER_LIKE = [
  /^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?0[xX][0-9a-fA-F_]+$/,
  /^[-+]?0[oO]?[0-7_]+$/,
  /^[-+]?0[bB][01_]+$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/,
];
const LOOKS_LIKE_TIME = /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;

/** Whether `s` can be written as a plain scalar and read back as the same string (by this reader and by YAML 1.2 ones). */
function plainSafe(s: string): boolean {
  if (s === "" || s !== s.trim()) return false;
  if (INDICATOR_START.test(s)) return false;
  if (/[\x00-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(s)) return false;
  if (s.includes(": ") || s.includes(" #") || s.endsWith(":")) return false;
  if (LOOKS_LIKE_TIME.test(s) || s === "<<" || s === "=") return false;
  if (NUMBER_LIKE.some((re) => re.test(s))) return false;
  try {
    return resolvePlain(s) === s;
  } catch {
    return false;
  }
}

function quoteString(s: string): string {
  return JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
}

function literalBlock(s: string, indent: string): string | null {
  if (!s.includes("\n") || /[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]/.test(s)) return null;
  const firstText = s.split("\n").find((l) => l !== "");
  if (firstText === undefined || isSpace(firstText[0])) return null;
  const chomp = s.endsWith("\n\n") ? "+" : s.endsWith("\n") ? "" : "-";
  const body = chomp === "" ? s.slice(0, -1) : chomp === "+" ? s.slice(0, -1) : s;
  const lines = body.split("\n").map((l) => (l === "" ? "" : indent + l));
  return `|${chomp}\n${lines.join("\n")}`;
}

function scalar(v: Json, indent: string): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : quoteString(String(v));
  const s = v as string;
  if (s.includes("\n")) return literalBlock(s, indent) ?? quoteString(s);
  return plainSafe(s) ? s : quoteString(s);
}

const sortKeys = (o: Record<string, unknown>) => Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function emit(value: Json, indent: string, out: string[]): void {
  // `value` is a non-empty collection; its lines are written at `indent`.
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item !== null && typeof item === "object" && (Array.isArray(item) ? item.length : Object.keys(item).length)) {
        const inner: string[] = [];
        emit(item, indent + "  ", inner);
        out.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
      } else out.push(`${indent}- ${inline(item, indent + "  ")}`);
    }
    return;
  }
  const obj = value as Record<string, Json>;
  for (const k of sortKeys(obj)) {
    const v = obj[k]!;
    const key = plainSafe(k) ? k : quoteString(k);
    if (v !== null && typeof v === "object" && (Array.isArray(v) ? v.length : Object.keys(v).length)) {
      out.push(`${indent}${key}:`);
      emit(v, Array.isArray(v) ? indent : indent + "  ", out);
    } else out.push(`${indent}${key}: ${inline(v, indent + "  ")}`);
  }
}

function inline(v: Json, indent: string): string {
  if (Array.isArray(v)) return "[]";
  if (v !== null && typeof v === "object") return "{}";
  return scalar(v, indent);
}

/** `value` (JSON data) as a YAML document, as `kubectl get -o yaml` prints it. */
export function toYaml(value: unknown): string {
  const v = JSON.parse(JSON.stringify(value ?? null)) as Json;
  if (v !== null && typeof v === "object" && (Array.isArray(v) ? v.length : Object.keys(v).length)) {
    const out: string[] = [];
    emit(v, "", out);
    return out.join("\n") + "\n";
  }
  return inline(v, "  ") + "\n";
}
