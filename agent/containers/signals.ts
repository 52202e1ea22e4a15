// Signal names and numbers as Docker takes them ("SIGTERM", "TERM", "15", "RTMIN+2").
import { badRequest } from "../../lib/errors";

const SIGNALS: Record<string, number> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, TRAP: 5, ABRT: 6, BUS: 7, FPE: 8, KILL: 9, USR1: 10, SEGV: 11, USR2: 12, PIPE: 13,
  ALRM: 14, TERM: 15, STKFLT: 16, CHLD: 17, CONT: 18, STOP: 19, TSTP: 20, TTIN: 21, TTOU: 22, URG: 23, XCPU: 24,
  XFSZ: 25, VTALRM: 26, PROF: 27, WINCH: 28, IO: 29, PWR: 30, SYS: 31,
};

/** "SIGTERM" / "TERM" / "15" → a signal number; anything else is a 400. */
export function parseSignal(sig: string): number {
  const s = sig.trim().toUpperCase().replace(/^SIG/, "");
  if (/^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 64) return Number(s);
  const rt = /^RTMIN(?:\+(\d+))?$/.exec(s);
  if (rt) return 34 + Number(rt[1] ?? 0);
  const n = SIGNALS[s];
  if (!n) throw badRequest(`Invalid signal: ${sig}`);
  return n;
}
