// Pinning the control plane's certificate. A control plane with a self-signed certificate (the one it makes on first
// start) gives its SHA-256 fingerprint in the join command; the agent fetches the certificate once, keeps it only if
// the fingerprint matches, and from then on trusts that certificate alone: every connection (the join, the socket.io
// link) verifies the chain against it and checks the fingerprint again in place of the host name. No credential or
// token is sent before the certificate is checked.
import { X509Certificate } from "node:crypto";
import { connect, type PeerCertificate } from "node:tls";
import { isIP } from "node:net";

export interface CertificatePin {
  /** "AB:CD:…" (SHA-256 of the DER certificate, as `openssl x509 -noout -fingerprint -sha256` prints it). */
  fingerprint: string;
  /** The certificate itself (PEM), fetched once and checked against the fingerprint. */
  certificate: string;
}

export class PinMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PinMismatch";
  }
}

/** A fingerprint as users paste it (colons or not, any case, an optional "sha256:" / "SHA256 Fingerprint=" prefix). */
export function normalizeFingerprint(raw: string): string | null {
  const hex = raw.trim().replace(/^sha-?256( fingerprint)?[:=]/i, "").replace(/[:\s]/g, "");
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  return hex.toUpperCase().match(/../g)!.join(":");
}

export interface PinnedTlsOptions {
  ca: string[];
  rejectUnauthorized: true;
  /** The pinned certificate is a trust anchor even when a CA issued it (an operator's certificate pinned by hand). */
  allowPartialTrustChain: true;
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/** TLS options that trust only the pinned certificate (socket.io-client and https.request take them as they are). */
export function pinnedTlsOptions(pin: CertificatePin): PinnedTlsOptions {
  return {
    ca: [pin.certificate],
    rejectUnauthorized: true,
    allowPartialTrustChain: true,
    // The chain is verified against the pinned certificate; the name check gives way to the fingerprint, so the agent may
    // reach the control plane by any name or address the certificate does not list.
    checkServerIdentity: (_host: string, cert: PeerCertificate) =>
      cert.fingerprint256 === pin.fingerprint ? undefined : new PinMismatch(mismatchMessage(pin.fingerprint, cert.fingerprint256)),
  };
}

function mismatchMessage(expected: string, got: string) {
  return `the control plane's certificate (SHA-256 ${got}) is not the one this agent pins (SHA-256 ${expected})`;
}

/**
 * Fetches the certificate `serverUrl` presents and returns it pinned, or throws PinMismatch when its fingerprint is not
 * `fingerprint`. Only the TLS handshake happens on this connection (which also proves the server holds the key).
 */
export function fetchPinnedCertificate(serverUrl: string, fingerprint: string, timeoutMs = 15_000): Promise<CertificatePin> {
  const url = new URL(serverUrl);
  if (url.protocol !== "https:") return Promise.reject(new PinMismatch(`a certificate fingerprint was given, but ${serverUrl} is not https`));
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false, // judged below by the fingerprint, before anything is sent
      timeout: timeoutMs,
    });
    const done = (e: Error | null, pin?: CertificatePin) => {
      socket.destroy();
      if (e) reject(e);
      else resolve(pin!);
    };
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      if (!peer?.raw) return done(new Error(`${serverUrl} presented no certificate`));
      const x509 = new X509Certificate(peer.raw);
      if (x509.fingerprint256 !== fingerprint) return done(new PinMismatch(mismatchMessage(fingerprint, x509.fingerprint256)));
      done(null, { fingerprint, certificate: x509.toString() });
    });
    socket.once("timeout", () => done(Object.assign(new Error("TLS handshake timed out"), { code: "ETIMEDOUT" })));
    socket.once("error", (e) => done(e));
  });
}
