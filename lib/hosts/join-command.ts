// The one line a user runs on a new machine to make it a host of this control plane. When the control plane's
// certificate is self-signed, the line carries its SHA-256 fingerprint, which the agent pins before sending the token.
export function joinCommand(publicUrl: string, token: string, fingerprint?: string | null): string {
  return `gantry-agent --server ${shellQuote(publicUrl)}${fingerprint ? ` --fingerprint ${fingerprint}` : ""} --token ${token}`;
}

/** The same for a machine where the agent runs as a service: `gantry join` only stores the credential (and the pin). */
export function storeCredentialCommand(publicUrl: string, token: string, fingerprint?: string | null): string {
  return `gantry join ${shellQuote(publicUrl)} ${token}${fingerprint ? ` --fingerprint ${fingerprint}` : ""}`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
