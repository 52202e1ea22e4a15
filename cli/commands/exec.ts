// gantry exec [-i] [-t] HOST/CONTAINER CMD… — runs a command in a container over the control plane's /browser
// socket ("exec:start"), wiring this terminal's stdin, output and size to it. Exits with the command's exit code.
import { io as connect } from "socket.io-client";
import { parseArgs } from "../args";
import { createClient } from "../client";
import { loadConfig } from "../config";
import { CliError, usageError } from "../errors";
import { resolveContainer } from "../targets";

export async function exec(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ["host", "user", "workdir"],
    repeated: ["env"],
    booleans: ["interactive", "tty"],
    aliases: { i: "interactive", t: "tty", e: "env", u: "user", w: "workdir" },
    stopAtPositional: true,
  });
  const [target, ...cmd] = a.positionals;
  if (!target || !cmd.length) throw usageError("usage: gantry exec [-it] HOST/CONTAINER COMMAND [ARG…]");
  const config = loadConfig();
  const client = createClient(config);
  const { hostId, container } = await resolveContainer(client, target, a.values.host);
  const tty = a.flags.has("tty");
  const interactive = a.flags.has("interactive");
  if (tty && !process.stdin.isTTY && !interactive) throw usageError("-t needs a terminal (or -i to read stdin)");

  const socket = connect(`${client.url}/browser`, {
    transports: ["websocket"],
    reconnection: false,
    extraHeaders: { authorization: `Bearer ${config.token}`, "user-agent": "gantry-cli" },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", (e) => reject(new CliError(/unauthorized/.test(e.message) ? "the API token was refused (run `gantry login`)" : `cannot reach ${client.url}: ${e.message}`, /unauthorized/.test(e.message) ? 3 : 1)));
  });
  const size = () => ({ cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  // The session's output and end may arrive in the same read as the start's acknowledgement — before the code after
  // the `await` runs — so the listeners are in place first and hold what comes until the session's id is known.
  type Data = { execId: string; stream: string; data: string };
  type End = { execId: string; exitCode?: number; error?: string };
  type Event = { kind: "data"; msg: Data; ack?: () => void } | { kind: "end"; msg: End } | { kind: "disconnect" };
  const early: Event[] = [];
  let deliver: ((e: Event) => void) | null = null;
  const receive = (e: Event) => (deliver ? deliver(e) : early.push(e));
  socket.on("exec:data", (msg: Data, ack?: () => void) => receive({ kind: "data", msg, ack }));
  socket.on("exec:end", (msg: End) => receive({ kind: "end", msg }));
  socket.on("disconnect", () => receive({ kind: "disconnect" }));
  const started = (await socket.timeout(30_000).emitWithAck("exec:start", {
    hostId,
    container,
    cmd,
    tty,
    ...(tty ? size() : {}),
    ...(a.lists.env?.length ? { env: a.lists.env } : {}),
    ...(a.values.user ? { user: a.values.user } : {}),
    ...(a.values.workdir ? { workdir: a.values.workdir } : {}),
  })) as { ok: true; execId: string } | { ok: false; error: string; code?: string };
  if (!started.ok) {
    socket.close();
    throw new CliError(started.error, /forbidden|unauthorized/.test(started.error) ? 3 : started.code === "not_found" ? 4 : 1);
  }
  const { execId } = started;
  const rawMode = tty && interactive && process.stdin.isTTY;
  if (rawMode) process.stdin.setRawMode(true);

  const code = await new Promise<number>((resolve) => {
    deliver = (e) => {
      if (e.kind === "disconnect") return resolve(1);
      if (e.msg.execId !== execId) return;
      if (e.kind === "end") {
        if (e.msg.error) process.stderr.write(`gantry: ${e.msg.error}\n`);
        return resolve(e.msg.exitCode ?? (e.msg.error ? 1 : 0));
      }
      const { msg, ack } = e;
      const out = msg.stream === "stderr" ? process.stderr : process.stdout;
      // Acknowledge (and so let the host send more) once the output took it.
      if (out.write(msg.data)) ack?.();
      else out.once("drain", () => ack?.());
    };
    for (const e of early.splice(0)) deliver(e);
    if (interactive) {
      process.stdin.on("data", (d: Buffer) => socket.emit("exec:input", { execId, data: d.toString("utf8") }));
      // Piped input ends: so does the command's stdin, as with `docker exec -i` (a terminal keeps it open).
      if (!rawMode) process.stdin.on("end", () => socket.emit("exec:input", { execId, data: "", eof: true }));
    } else {
      // Without -i this terminal's input is not the command's: its stdin is empty and ends at once, as with
      // `docker exec` (a command that reads stdin, like `sh`, reads end-of-file and returns).
      socket.emit("exec:input", { execId, data: "", eof: true });
    }
    if (tty) process.stdout.on("resize", () => socket.emit("exec:resize", { execId, ...size() }));
  });
  if (rawMode) process.stdin.setRawMode(false);
  socket.close();
  process.stdin.pause();
  // Like docker exec: the command's own exit code, nothing more said.
  if (code !== 0) throw new CliError("", code);
}
