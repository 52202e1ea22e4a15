"use client";
// A container's environment as a table. Values whose name looks secret (lib/containers/secret-env) are masked until
// the user reveals that one value; a value the server withheld (the reader may not read the container's output) stays
// masked, with nothing to reveal.
import { useState } from "react";
import { EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { envEntries } from "@/lib/containers/secret-env";

export const MASK = "••••••••";

export function EnvTable({ env }: { env: string[] | null | undefined }) {
  const [revealed, setRevealed] = useState<Set<string>>(new Set());
  const entries = envEntries(env);
  const toggle = (name: string) =>
    setRevealed((r) => {
      const next = new Set(r);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  return (
    <Table caption="Environment">
      <THead>
        <Tr>
          <Th>Variable</Th>
          <Th>Value</Th>
        </Tr>
      </THead>
      <TBody>
        {entries.length === 0 && <EmptyRow colSpan={2}>No environment variables.</EmptyRow>}
        {entries.map((e, i) => {
          const hidden = e.secret && !revealed.has(e.name);
          return (
            <Tr key={`${i}-${e.name}`} data-testid={`env-${e.name}`}>
              <Td className="font-mono text-xs">{e.name}</Td>
              <Td className="font-mono text-xs">
                <span className="inline-flex items-center gap-2">
                  <span
                    data-testid={`env-value-${e.name}`}
                    data-masked={hidden || undefined}
                    data-withheld={e.withheld || undefined}
                    title={e.withheld ? "Hidden from your role: reading it needs the right to read logs" : undefined}
                    className="break-all"
                  >
                    {hidden || e.withheld ? MASK : e.value}
                  </span>
                  {e.secret && !e.withheld && (
                    <button
                      type="button"
                      onClick={() => toggle(e.name)}
                      aria-label={`${hidden ? "Reveal" : "Hide"} ${e.name}`}
                      aria-pressed={!hidden}
                      className="rounded px-1.5 py-0.5 text-xs font-sans text-indigo-700 hover:bg-slate-100 dark:text-indigo-400 dark:hover:bg-slate-800"
                    >
                      {hidden ? "Reveal" : "Hide"}
                    </button>
                  )}
                </span>
              </Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}
