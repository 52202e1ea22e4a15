// Drops every live browser socket of one user (after they are disabled). A no-op outside the control-plane process.
import { serverContext } from "@/lib/server-context";

export async function disconnectUserSockets(userId: string): Promise<number> {
  const nsp = serverContext.maybe()?.io.of("/browser");
  if (!nsp) return 0;
  const sockets = await nsp.fetchSockets();
  let n = 0;
  for (const s of sockets) {
    if (s.data.actorId === userId) {
      s.disconnect(true);
      n++;
    }
  }
  return n;
}
