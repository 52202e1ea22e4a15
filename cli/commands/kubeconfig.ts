// gantry kubeconfig — prints a kubeconfig for the stored login (cli/config.ts): the control plane's Kubernetes API
// (URL + /k8s) and the login's API token, for `kubectl --kubeconfig FILE` or `KUBECONFIG=FILE kubectl`.
//
// kubectl sends a token only to an https server (client-go drops credentials for http://), so the URL must be https:
// the control plane's own TLS, or a proxy that terminates it. The certificate kubectl is told to trust
// (certificate-authority-data) is --certificate-authority FILE, else the one the CLI itself trusts
// (NODE_EXTRA_CA_CERTS, e.g. GANTRY_DATA/tls/cert.pem); without either, the system's CAs; or --insecure-skip-tls-verify.
import { readFileSync } from "node:fs";
import { parseArgs } from "../args";
import { loadConfig, type CliConfig } from "../config";
import { CliError, usageError } from "../errors";

export interface KubeconfigOptions {
  context?: string;
  namespace?: string;
  /** PEM of the certificate (or CA) kubectl should trust for this server. */
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
}

const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar

export function kubeconfigFor(config: CliConfig, opts: KubeconfigOptions = {}): string {
  const name = opts.context ?? "gantry";
  const cluster = [`    server: ${q(`${config.url.replace(/\/+$/, "")}/k8s`)}`];
  if (opts.certificateAuthority) cluster.push(`    certificate-authority-data: ${Buffer.from(opts.certificateAuthority).toString("base64")}`);
  if (opts.insecureSkipTlsVerify) cluster.push("    insecure-skip-tls-verify: true");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(name)}`,
    "  cluster:",
    ...cluster,
    "users:",
    `- name: ${q(name)}`,
    "  user:",
    `    token: ${q(config.token)}`,
    "contexts:",
    `- name: ${q(name)}`,
    "  context:",
    `    cluster: ${q(name)}`,
    `    user: ${q(name)}`,
    `    namespace: ${q(opts.namespace ?? "default")}`,
    `current-context: ${q(name)}`,
    "",
  ].join("\n");
}

export async function kubeconfig(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ["context", "namespace", "certificate-authority"], booleans: ["insecure-skip-tls-verify"], aliases: { n: "namespace" } });
  if (a.positionals.length) throw usageError("usage: gantry kubeconfig [--namespace NS] [--context NAME] [--certificate-authority FILE | --insecure-skip-tls-verify]");
  const config = loadConfig();
  let certificateAuthority: string | undefined;
  const caFile = a.values["certificate-authority"] ?? (a.flags.has("insecure-skip-tls-verify") ? undefined : process.env.NODE_EXTRA_CA_CERTS || undefined);
  if (caFile) {
    try {
      certificateAuthority = readFileSync(caFile, "utf8");
    } catch (e) {
      throw new CliError(`cannot read the certificate ${caFile}: ${(e as Error).message}`, 2);
    }
    if (!certificateAuthority.includes("-----BEGIN CERTIFICATE-----")) throw usageError(`${caFile} holds no PEM certificate`);
  }
  if (a.values["certificate-authority"] && a.flags.has("insecure-skip-tls-verify")) throw usageError("give --certificate-authority or --insecure-skip-tls-verify, not both");
  if (config.url.startsWith("http://"))
    process.stderr.write(`gantry: warning: ${config.url} is plain http, and kubectl sends its token only over https — log in with the control plane's https URL\n`);
  process.stdout.write(
    kubeconfigFor(config, {
      context: a.values.context,
      namespace: a.values.namespace,
      certificateAuthority,
      insecureSkipTlsVerify: a.flags.has("insecure-skip-tls-verify"),
    }),
  );
}
