// What reading a compose file finds besides its translation: issues (the file cannot be translated: a 422 naming each
// field), host paths the author may not bind (a 403), keys left out (by name and path) and notes on what a key became.
import type { TranslationNote, UnsupportedKey } from "./types";

export interface ComposeIssue {
  path: string;
  message: string;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

export class Collector {
  issues: ComposeIssue[] = [];
  hostIssues: ComposeIssue[] = [];
  unsupported: UnsupportedKey[] = [];
  notes: TranslationNote[] = [];
  issue(path: string, message: string) {
    this.issues.push({ path, message });
  }
  skip(path: string, key: string, reason?: string) {
    this.unsupported.push({ path: path ? `${path}.${key}` : key, key, ...(reason ? { reason } : {}) });
  }
  note(path: string, message: string) {
    this.notes.push({ path, message });
  }
}
