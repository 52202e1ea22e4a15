"use client";
// The activity record: one sentence a row ("ana@example.com stopped container colors on host web-1"), when, from
// where, and whether it worked; filtered by area and paged in the URL.
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ActivityView as ActivityRow } from "@/lib/activity/schemas";
import { Badge, EmptyRow, Field, FormAlert, LocalTime, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";

const AREAS: Array<[string, string]> = [
  ["", "Everything"],
  ["containers.", "Containers, networks and volumes"],
  ["images.", "Images"],
  ["hosts.", "Hosts and join tokens"],
  ["users.", "Users"],
  ["tokens.", "API tokens"],
  ["me.", "Own accounts"],
];

export function ActivityView({
  page,
  action,
  notice,
}: {
  page: { items: ActivityRow[]; total: number; page: number; pageSize: number };
  action: string;
  notice?: string;
}) {
  const router = useRouter();
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const href = (p: number, a = action) => {
    const q = new URLSearchParams();
    if (a) q.set("action", a);
    if (p > 1) q.set("page", String(p));
    return q.size ? `/activity?${q}` : "/activity";
  };

  return (
    <section aria-labelledby="activity-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="activity-title" className="text-xl font-semibold">
            Activity
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">Every change made here, through the API or the CLI, and every terminal session: newest first.</p>
        </div>
        <div className="w-72">
          <Field id="activity-area" label="Show">
            <Select id="activity-area" value={action} onChange={(e) => router.push(href(1, e.target.value))}>
              {AREAS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </Select>
          </Field>
        </div>
      </div>
      <FormAlert tone="info" message={notice} />

      <Table caption="Activity record">
        <THead>
          <Tr>
            <Th>When</Th>
            <Th>What happened</Th>
            <Th>Outcome</Th>
            <Th>From</Th>
          </Tr>
        </THead>
        <TBody>
          {page.items.length === 0 && <EmptyRow colSpan={4}>Nothing recorded yet.</EmptyRow>}
          {page.items.map((r) => (
            <Tr key={r.id} data-testid={`activity-${r.id}`}>
              <Td className="whitespace-nowrap text-slate-600 dark:text-slate-400">
                <LocalTime iso={r.at} />
              </Td>
              <Td data-testid="activity-text">{r.text}</Td>
              <Td>
                <Badge tone={r.outcome === "ok" ? "success" : "danger"}>{r.outcome === "ok" ? "done" : `failed: ${r.outcome}`}</Badge>
              </Td>
              <Td className="text-xs text-slate-500" title={r.userAgent ?? undefined}>
                {r.ip ?? "—"}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>

      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        <span data-testid="activity-page">
          Page {page.page} of {pages} · {page.total} record{page.total === 1 ? "" : "s"}
        </span>
        <span className="flex gap-3">
          {page.page > 1 && (
            <Link href={href(page.page - 1)} className="text-indigo-700 hover:underline dark:text-indigo-400">
              Previous
            </Link>
          )}
          {page.page < pages && (
            <Link href={href(page.page + 1)} className="text-indigo-700 hover:underline dark:text-indigo-400">
              Next
            </Link>
          )}
        </span>
      </nav>
    </section>
  );
}
