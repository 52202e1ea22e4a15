// Host ports for tests. A port taken from the kernel's ephemeral range (listen on 0, close, hand it out) can be given
// to any outgoing connection on the machine before the test binds it — CI once saw "port is already allocated" that
// way. These come from below the ephemeral range instead, are checked free on every address right now, and are never
// handed out twice by one process.
import { createServer } from "node:net";
import { readFileSync } from "node:fs";

const handedOut = new Set<number>();

/** The lowest port the kernel hands to outgoing connections (32768 unless the machine changed it). */
function ephemeralFloor(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > 11000 ? low : 32768;
  } catch {
    return 32768;
  }
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A TCP port nothing listens on now, outside the ephemeral range, not handed out before by this process. */
export async function freePort(): Promise<number> {
  const floor = 10000;
  const ceiling = ephemeralFloor() - 1;
  for (let tries = 0; tries < 200; tries++) {
    const port = floor + Math.floor(Math.random() * (ceiling - floor));
    if (handedOut.has(port)) continue;
    if ((await bindable(port, "0.0.0.0")) && (await bindable(port, "127.0.0.1"))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port between ${floor} and ${ceiling} after 200 tries`);
}
