"use client";
// /configmaps/NS/NAME and /secrets/NS/NAME — one ConfigMap with its data, or one Secret with its keys and their sizes;
// a Secret's value is shown only when someone allowed to read Secrets asks for that one value (Reveal), through a
// request of its own that is written to the activity record before it answers.
import { useState } from "react";
import type { KubeObject } from "@/lib/k8s/meta";
import type { BrowserSecret } from "@/lib/realtime/kube-watch";
import type { RevealedSecretValue } from "@/lib/secrets/schemas";
import { Badge, Button, FormAlert, LocalTime, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { callApi } from "@/components/api/client";
import { A, editHref, linkClass } from "@/components/kube/links";
import { useKubeObject } from "./use-kube-object";
import Link from "next/link";

type ConfigMap = KubeObject & { data?: Record<string, string>; binaryData?: Record<string, string>; immutable?: boolean };

function Header({ title, back, backLabel, obj, edit }: { title: string; back: string; backLabel: string; obj: KubeObject | null; edit?: string }) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-4">
      <div>
        <p className="text-sm">
          <Link className={linkClass} href={back}>
            {backLabel}
          </Link>
        </p>
        <h1 className="text-xl font-semibold">{title}</h1>
        {obj && (
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Created <LocalTime iso={obj.metadata.creationTimestamp ?? ""} />
            {Object.keys(obj.metadata.labels ?? {}).length > 0 && (
              <span className="ml-2 inline-flex flex-wrap gap-1">
                {Object.entries(obj.metadata.labels ?? {}).map(([k, v]) => (
                  <Badge key={k} className="font-mono">{`${k}=${v}`}</Badge>
                ))}
              </span>
            )}
          </p>
        )}
      </div>
      {edit && <A href={edit}>Edit YAML</A>}
    </div>
  );
}

export function ConfigMapDetail({ namespace, name, canWrite }: { namespace: string; name: string; canWrite: boolean }) {
  const { object, missing, error } = useKubeObject<ConfigMap>({ group: "", version: "v1", plural: "configmaps" }, namespace, name);
  const data = Object.entries(object?.data ?? {});
  const binary = Object.entries(object?.binaryData ?? {});
  return (
    <section className="space-y-6">
      <Header title={`${namespace}/${name}`} back={`/configmaps?namespace=${encodeURIComponent(namespace)}`} backLabel="ConfigMaps" obj={object} edit={canWrite ? editHref("v1", "ConfigMap", namespace, name) : undefined} />
      <FormAlert message={error ?? (missing ? `ConfigMap ${namespace}/${name} does not exist (or was deleted).` : null)} />
      {object && (
        <div className="space-y-4">
          {data.length === 0 && binary.length === 0 && <p className="text-sm text-slate-500">This ConfigMap holds no data.</p>}
          {data.map(([k, v]) => (
            <div key={k} className="rounded-lg border border-slate-200 dark:border-slate-800">
              <h2 className="border-b border-slate-200 px-4 py-2 font-mono text-sm font-medium dark:border-slate-800">{k}</h2>
              <pre className="max-h-96 overflow-auto px-4 py-2 text-xs whitespace-pre-wrap" aria-label={`Value of ${k}`}>
                {v}
              </pre>
            </div>
          ))}
          {binary.map(([k, v]) => (
            <p key={k} className="text-sm">
              <span className="font-mono">{k}</span>: binary, {Math.floor((v.length * 3) / 4) - (v.endsWith("==") ? 2 : v.endsWith("=") ? 1 : 0)} bytes
            </p>
          ))}
        </div>
      )}
    </section>
  );
}

export function SecretDetail({ namespace, name, canWrite, canReveal }: { namespace: string; name: string; canWrite: boolean; canReveal: boolean }) {
  const { object, missing, error } = useKubeObject<BrowserSecret>({ group: "", version: "v1", plural: "secrets" }, namespace, name);
  const [shown, setShown] = useState<Record<string, RevealedSecretValue>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const reveal = async (key: string) => {
    setBusy(key);
    setFailure(null);
    const r = await callApi<RevealedSecretValue>("POST", `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}/reveal`, { key });
    setBusy(null);
    if (!r.ok) return setFailure(r.error ?? "the value could not be revealed");
    setShown((s) => ({ ...s, [key]: r.data! }));
  };
  const keys = Object.entries(object?.valueSizes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="space-y-6">
      <Header title={`${namespace}/${name}`} back={`/secrets?namespace=${encodeURIComponent(namespace)}`} backLabel="Secrets" obj={object} edit={canWrite ? editHref("v1", "Secret", namespace, name) : undefined} />
      <FormAlert message={error ?? (missing ? `Secret ${namespace}/${name} does not exist (or was deleted).` : failure)} />
      {object && (
        <>
          <p className="text-sm">
            Type <span className="font-mono">{object.type ?? "Opaque"}</span>.{" "}
            {canReveal ? "Revealing a value is written to the activity record." : "Values stay hidden: your role may not read Secrets' values."}
          </p>
          <Table caption={`Keys of ${name}`}>
            <THead>
              <Tr>
                <Th>Key</Th>
                <Th>Size</Th>
                <Th>Value</Th>
              </Tr>
            </THead>
            <TBody>
              {keys.map(([k, bytes]) => (
                <Tr key={k}>
                  <Td className="font-mono">{k}</Td>
                  <Td>{bytes} bytes</Td>
                  <Td>
                    {shown[k] ? (
                      <span className="flex items-start gap-2">
                        <pre className="max-w-xl overflow-auto text-xs whitespace-pre-wrap" aria-label={`Value of ${k}`}>
                          {shown[k].text ?? `(binary, base64) ${shown[k].base64}`}
                        </pre>
                        <Button variant="ghost" size="sm" onClick={() => setShown(({ [k]: _gone, ...rest }) => rest)}>
                          Hide
                        </Button>
                      </span>
                    ) : canReveal ? (
                      <Button variant="secondary" size="sm" loading={busy === k} onClick={() => reveal(k)} aria-label={`Reveal ${k}`}>
                        Reveal
                      </Button>
                    ) : (
                      <span className="text-slate-500">hidden</span>
                    )}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        </>
      )}
    </section>
  );
}
