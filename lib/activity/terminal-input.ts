// What a person typed into a terminal session, kept for its activity record: the input stream as sent (keystrokes,
// pasted text, control characters), up to TERMINAL_INPUT_CAP bytes of UTF-8 per session; past that only the count goes
// on, and the record says the input was cut and how much there was.
export const TERMINAL_INPUT_CAP = 64 * 1024;

export class TerminalInput {
  private kept = "";
  private keptBytes = 0;
  private total = 0;

  constructor(private readonly cap = TERMINAL_INPUT_CAP) {}

  add(data: string): void {
    const bytes = Buffer.byteLength(data, "utf8");
    this.total += bytes;
    if (this.keptBytes >= this.cap) return;
    if (this.keptBytes + bytes <= this.cap) {
      this.kept += data;
      this.keptBytes += bytes;
      return;
    }
    // Cut at a character boundary within what is left.
    const room = this.cap - this.keptBytes;
    const cut = Buffer.from(data, "utf8").subarray(0, room).toString("utf8").replace(/\ufffd$/, "");
    this.kept += cut;
    this.keptBytes += Buffer.byteLength(cut, "utf8");
    this.keptBytes = this.cap;
  }

  /** For the session's end record: the input, its size, and whether it was cut at the cap. */
  record(): { input: string; inputBytes: number; inputTruncated: boolean; inputCap: number } {
    return { input: this.kept, inputBytes: this.total, inputTruncated: this.total > Buffer.byteLength(this.kept, "utf8"), inputCap: this.cap };
  }
}
