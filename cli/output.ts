// Printing results: JSON (one document, for scripts) with --json, a table otherwise.
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

export function printLine(text: string): void {
  process.stdout.write(text + "\n");
}
