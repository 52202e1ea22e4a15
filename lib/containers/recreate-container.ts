// Recreates a container from a RunSpec without losing it when the new one fails (Edit on a container's page, Portainer's
// "Recreate", what docker compose does to a changed service): the original is renamed aside
// ("<name>_gantry_old_<short id>", lib/containers/aside-name.ts) and stopped, the new one is created and started under
// the original's name (or the spec's), and only then is the original removed. When the new one cannot be created or
// started (a host port taken, a bad image, a missing network) it is removed, the original gets its name back and is
// started again if it was running, and the error says why and that the original is back.
//
// Every step is one of the host's own commands (container.inspect, rename, stop, run, remove, start), sent now and never
// queued: if the host goes away half-way, what is left is on the host under names that say what it is — the original
// under its aside name, maybe the new one under the real name — and the error says so. Queuing the way back was
// weighed and refused: whether a run whose answer was lost happened is only known once the host is back, and a queued
// "start the original" beside a new one that did run would run both. The original's page says what it was called, and
// Edit on it recreates it under that name (nameBeforeAside), so a second recreate finishes the first.
import { authorizeHost, type Actor } from "@/lib/auth/policy";
import { GantryError } from "@/lib/errors";
import { sendCommand } from "@/lib/fleet";
import { HostOffline, OutcomeUnknown } from "@/lib/fleet/dispatch-command";
import { noteActivity } from "@/lib/activity/activity-note";
import { hostPhrase } from "@/lib/fleet-api/command-summary";
import type { ContainerSummary, HostCommand, RunSpec } from "@/lib/protocol/commands";
import { authorizeRunSpec } from "./authorize-run-spec";
import { asideName, nameBeforeAside } from "./aside-name";

export interface RecreateResult {
  /** The new container. */
  id: string;
  name: string;
  container: ContainerSummary;
  warnings: string[];
  /** The original, removed — or, if its removal failed, kept under `keptAs` (a warning says why). */
  replaced: { id: string; name: string; removed: boolean; keptAs?: string };
}

export interface RecreateOptions {
  /** The original's stop grace (docker stop -t), default the engine's 10 s. */
  stopTimeoutSeconds?: number;
  ip?: string | null;
  userAgent?: string | null;
}

/** How many "_N" variants of the aside name are tried when it is taken. */
const ASIDE_ATTEMPTS = 5;

export async function recreateContainer(actor: Actor, hostId: number, ref: string, input: RunSpec, opts: RecreateOptions = {}): Promise<RecreateResult> {
  // The original is renamed, stopped and removed (containers.manage); the new one is run (containers.run, host access).
  authorizeHost(actor, "containers.manage", hostId);
  await authorizeRunSpec(actor, hostId, input, opts);
  const send = async <T>(command: HostCommand): Promise<T> => {
    const outcome = await sendCommand(hostId, command, { actorId: actor.id, deadlineMs: command.kind === "container.stop" ? ((command.timeoutSeconds ?? 10) + 20) * 1000 : undefined });
    if (outcome.status !== "done") throw new GantryError("internal", `${command.kind} was queued`); // never asked to queue
    return outcome.result as T;
  };

  const original = await send<{ Id: string; Name: string; State?: { Running?: boolean; Restarting?: boolean; Paused?: boolean } }>({ kind: "container.inspect", id: ref });
  const id = original.Id;
  const current = original.Name.replace(/^\//, "");
  // A container a recreate could not finish with is already aside: it keeps that name, and the new one takes its first.
  const before = nameBeforeAside(current, id);
  const name = input.name ?? before ?? current;
  const spec: RunSpec = { ...input, name };
  const wasRunning = !!(original.State?.Running || original.State?.Restarting);
  noteActivity({ verb: "recreate", object: `container ${before ?? current}`, extra: `from ${spec.image}${name !== (before ?? current) ? ` as ${name}` : ""} on ${await hostPhrase(hostId)}` });

  // 1. Aside: the original's name is free for the new one, and the original is still whole.
  let aside = current;
  if (before === null) {
    for (let attempt = 1; ; attempt++) {
      const candidate = asideName(current, id, attempt);
      try {
        await send({ kind: "container.rename", id, name: candidate });
        aside = candidate;
        break;
      } catch (e) {
        // The host went away with the rename sent: it may have been done. Nothing was removed either way.
        if (e instanceof OutcomeUnknown) {
          throw withContext(e, `nothing was removed — the original is kept as ${candidate} (it was ${current}) if the rename reached the host, else as ${current}; open it once the host is back`);
        }
        // A taken aside name (someone's container, or an earlier aside) is passed over; anything else ends it here.
        if (!(e instanceof GantryError && e.code === "conflict" && /already in use/.test(e.message)) || attempt >= ASIDE_ATTEMPTS) {
          throw withContext(e, `${current} could not be set aside, so nothing was changed`);
        }
      }
    }
  }
  const renamed = aside !== current;

  // 2. Stopped (its host ports, its volumes' writers), 3. the new one created and started.
  let run: { id: string; warnings?: string[] | null; container: ContainerSummary };
  let runSent = false;
  try {
    if (wasRunning || original.State?.Paused) await send({ kind: "container.stop", id, timeoutSeconds: opts.stopTimeoutSeconds });
    runSent = true;
    run = await send({ kind: "container.run", spec });
  } catch (e) {
    throw withContext(e, await putBack());
  }

  // 4. The original goes; a failure here loses nothing (it is kept aside, stopped, and said so).
  const warnings = [...(run.warnings ?? [])];
  let removed = true;
  try {
    await send({ kind: "container.remove", id, force: true });
  } catch (e) {
    removed = false;
    warnings.push(`the original could not be removed (${(e as Error).message}): it is kept, stopped, as ${aside}`);
  }
  return { id: run.id, name, container: run.container, warnings, replaced: { id, name: before ?? current, removed, ...(removed ? {} : { keptAs: aside }) } };

  /** After a failed stop or run: the new one gone, the original back under its name and running as it was; what happened, in words. */
  async function putBack(): Promise<string> {
    const was = before ?? current;
    const problems: string[] = [];
    let nameBack = current;
    try {
      // container.run removes what it created when the start fails; a run whose answer was lost may have left one.
      try {
        const made = await send<{ Id: string }>({ kind: "container.inspect", id: name });
        if (made.Id !== id) await send({ kind: "container.remove", id: made.Id, force: true });
      } catch (e) {
        if (e instanceof HostOffline) throw e;
        if (!(e instanceof GantryError && e.code === "not_found")) problems.push(`a new ${name} may be left on the host (${(e as Error).message})`);
      }
      if (renamed) {
        try {
          await send({ kind: "container.rename", id, name: current });
          nameBack = current;
        } catch (e) {
          if (e instanceof HostOffline) throw e;
          nameBack = aside;
          problems.push(`it could not get its name back (${(e as Error).message})`);
        }
      }
      if (wasRunning) {
        try {
          await send({ kind: "container.start", id });
        } catch (e) {
          if (e instanceof HostOffline) throw e;
          problems.push(`it could not be started again (${(e as Error).message})`);
        }
      }
    } catch (e) {
      if (!(e instanceof HostOffline)) throw e;
      // Gone half-way: nothing more can be done now, and nothing was removed.
      return `the host went away before the original could be put back: nothing was removed — the original is ${renamed ? `kept as ${aside} (it was ${was})` : `${current}`}${
        runSent ? `, and the new ${name} may have been made` : ""
      }; open it once the host is back and Edit it to finish, or remove what is not wanted`;
    }
    const kept = nameBack === was ? `the original ${was}` : `the original, kept as ${nameBack} (it was ${was}),`;
    if (!problems.length) return `${kept} was put back as it was${wasRunning ? " and runs again" : ""}`;
    return `nothing was removed: ${kept} is on the host, but ${problems.join("; ")}`;
  }
}

/** The step's error with what became of the original after it, keeping the step's code (a taken port stays a 409). */
function withContext(e: unknown, what: string): GantryError {
  if (e instanceof GantryError) return new GantryError(e.code, `${e.message}; ${what}`, e.details);
  return new GantryError("internal", `the recreate failed; ${what}`);
}
