// The one line a user runs on a new machine to make it a host of this control plane.
export function joinCommand(publicUrl: string, token: string): string {
  return `gantry-agent --server ${shellQuote(publicUrl)} --token ${token}`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
