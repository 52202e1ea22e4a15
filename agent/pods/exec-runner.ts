// Exec probes and lifecycle hooks run through the engine's own exec path (the one `docker exec` and the control plane's
// exec streams use): the command's output is kept (up to 10 KiB, for the probe's message), and one still running at
// the timeout is ended with its whole session in the container.
import type { ExecService } from "../containers/exec";
import type { ExecRunner } from "./probes";

const MAX_OUTPUT = 10 << 10;

export function execRunner(execs: ExecService): ExecRunner {
  return async (containerId, command, timeoutMs) => {
    const id = execs.create(containerId, { Cmd: command, AttachStdout: true, AttachStderr: true });
    let output = "";
    const handle = await execs.start(id, {
      write: (_stream, data) => {
        if (output.length < MAX_OUTPUT) output += data.toString("utf8").slice(0, MAX_OUTPUT - output.length);
      },
      end: () => {},
    });
    const session = execs.get(id);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      session.done.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      handle.kill();
      await session.done;
    }
    const exitCode = timedOut ? null : session.exitCode;
    execs.forget(id);
    return { exitCode, output };
  };
}
