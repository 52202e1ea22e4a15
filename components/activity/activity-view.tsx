"use client";
// The audit page: one sentence a row ("ana@example.com stopped container colors on host web-1"), when, from where,
// and whether it worked; filtered by who, area, target, outcome and time (in the URL, so a view can be shared), paged;
// new rows arrive live (the "activity" room of the /browser socket, which needs activity.read: each announcement is
// an id, and the rows are read through GET /api/v1/activity with the same filters); the rows the filters select are
// exported as CSV or JSON; and the audit chain is verified on demand.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { io } from "socket.io-client";
import type { ActivityView as ActivityRow } from "@/lib/activity/schemas";
import { Badge, Button, EmptyRow, Field, FormAlert, Input, LocalTime, Select, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { ApiError, api } from "@/components/api/client";

const AREAS: Array<[string, string]> = [
  ["", "Everything"],
  ["containers.", "Containers, networks and volumes"],
  ["images.", "Images"],
  ["hosts.", "Hosts and join tokens"],
  ["users.", "Users"],
  ["tokens.", "API tokens"],
  ["me.", "Own accounts"],
  ["k8s.", "Cluster objects and secrets"],
  ["auth.", "Sign-ins"],
  ["audit.", "Audit retention"],
];

/** The filters as the URL holds them (times as ISO 8601). */
export interface ActivityFilterValues {
  who: string;
  action: string;
  target: string;
  outcome: string;
  from: string;
  to: string;
}

const FILTER_KEYS = ["who", "action", "target", "outcome", "from", "to"] as const;

function filterQuery(f: ActivityFilterValues): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k]) q.set(k, f[k]);
  return q;
}

/** An ISO time as a datetime-local input shows it (the browser's zone), and back. */
const toLocalInput = (iso: string) => {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (v: string) => (v ? new Date(v).toISOString() : "");

type ChainReport = { ok: boolean; checked: number; problems: Array<{ message: string }> };

export function ActivityView({
  page,
  filters,
  notice,
}: {
  page: { items: ActivityRow[]; total: number; page: number; pageSize: number };
  filters: ActivityFilterValues;
  notice?: string;
}) {
  const router = useRouter();
  const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
  const href = (p: number, f: ActivityFilterValues = filters) => {
    const q = filterQuery(f);
    if (p > 1) q.set("page", String(p));
    return q.size ? `/activity?${q}` : "/activity";
  };
  const [draft, setDraft] = useState(filters);
  const [fresh, setFresh] = useState<ActivityRow[]>([]);
  const [live, setLive] = useState<"connecting" | "live" | "off">("connecting");
  const [report, setReport] = useState<ChainReport | null>(null);
  const [checking, setChecking] = useState(false);
  // Times are shown in the browser's zone, which the server does not know: filled in after hydration.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const local = (iso: string) => (mounted ? toLocalInput(iso) : "");
  const newest = useRef(page.items[0]?.id ?? 0);
  const exportQuery = filterQuery(filters);

  // The live tail, on the first page only (later pages are history).
  useEffect(() => {
    if (page.page !== 1) return setLive("off");
    const socket = io("/browser", { path: "/socket.io", transports: ["websocket", "polling"] });
    let timer: ReturnType<typeof setTimeout> | null = null;
    let reading = false;
    const read = async () => {
      if (reading) return void (timer = setTimeout(read, 200));
      reading = true;
      try {
        const q = filterQuery(filters);
        q.set("afterId", String(newest.current));
        q.set("pageSize", "200");
        // A read that fails is left to the next event: the page keeps what it shows.
        const body = await api.get<{ items: ActivityRow[] }>(`/api/v1/activity?${q}`).catch((e) => {
          if (e instanceof ApiError) return null;
          throw e;
        });
        if (!body || body.items.length === 0) return;
        newest.current = Math.max(newest.current, ...body.items.map((i) => i.id));
        setFresh((rows) => [...body.items, ...rows].slice(0, 500));
      } finally {
        reading = false;
      }
    };
    socket.on("connect", () => socket.emit("subscribe", "activity", (r: { ok: boolean }) => setLive(r?.ok ? "live" : "off")));
    socket.on("disconnect", () => setLive("off"));
    socket.on("activity", () => {
      if (!timer) timer = setTimeout(() => ((timer = null), void read()), 150);
    });
    return () => {
      if (timer) clearTimeout(timer);
      socket.disconnect();
    };
  }, [filters, page.page]);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    router.push(href(1, draft));
  };
  const verify = async () => {
    setChecking(true);
    try {
      setReport(await api.get<ChainReport>("/api/v1/audit/verify"));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      setReport({ ok: false, checked: 0, problems: [{ message: `the check failed: ${e.message}` }] });
    } finally {
      setChecking(false);
    }
  };
  const rows = [...fresh, ...page.items];

  return (
    <section aria-labelledby="activity-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="activity-title" className="text-xl font-semibold">
            Activity
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Every change made here — through the pages, the API, the CLI or kubectl —, every sign-in and every terminal session, newest first. Each
            record is sealed to the one before it, so a record changed or deleted in the database is found by a check.
          </p>
        </div>
        <div className="w-72">
          <Field id="activity-area" label="Show">
            <Select id="activity-area" value={filters.action} onChange={(e) => router.push(href(1, { ...filters, action: e.target.value }))}>
              {AREAS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
              {filters.action && !AREAS.some(([v]) => v === filters.action) && <option value={filters.action}>{filters.action}</option>}
            </Select>
          </Field>
        </div>
      </div>

      <form onSubmit={apply} aria-label="Filters" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-6">
        <Field id="activity-who" label="Who">
          <Input id="activity-who" value={draft.who} placeholder="part of an email" onChange={(e) => setDraft({ ...draft, who: e.target.value })} />
        </Field>
        <Field id="activity-target" label="Target">
          <Input id="activity-target" value={draft.target} placeholder="hosts/3, namespaces/web/" onChange={(e) => setDraft({ ...draft, target: e.target.value })} />
        </Field>
        <Field id="activity-outcome" label="Outcome">
          <Input id="activity-outcome" value={draft.outcome} placeholder="ok, forbidden…" onChange={(e) => setDraft({ ...draft, outcome: e.target.value })} />
        </Field>
        <Field id="activity-from" label="From">
          <Input id="activity-from" type="datetime-local" value={local(draft.from)} onChange={(e) => setDraft({ ...draft, from: fromLocalInput(e.target.value) })} />
        </Field>
        <Field id="activity-to" label="Until">
          <Input id="activity-to" type="datetime-local" value={local(draft.to)} onChange={(e) => setDraft({ ...draft, to: fromLocalInput(e.target.value) })} />
        </Field>
        <div className="flex items-end gap-2">
          <Button type="submit">Filter</Button>
          <Link href="/activity" className="py-2 text-sm text-indigo-700 hover:underline dark:text-indigo-400">
            Clear
          </Link>
        </div>
      </form>
      <FormAlert tone="info" message={notice} />

      <div className="flex flex-wrap items-center gap-4 text-sm">
        <span data-testid="activity-live" data-state={live} className="text-slate-600 dark:text-slate-400">
          {live === "live" ? "● Live: new records appear as they are written" : page.page === 1 ? "Not live" : "Live on the first page only"}
        </span>
        <a href={`/api/v1/audit/export?${new URLSearchParams([...exportQuery, ["format", "csv"]])}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
          Export CSV
        </a>
        <a href={`/api/v1/audit/export?${new URLSearchParams([...exportQuery, ["format", "json"]])}`} className="text-indigo-700 hover:underline dark:text-indigo-400">
          Export JSON
        </a>
        <Button type="button" variant="secondary" onClick={verify} disabled={checking}>
          {checking ? "Checking…" : "Verify the record"}
        </Button>
        {report && (
          <span role="status" data-testid="audit-verify" className={report.ok ? "text-emerald-700 dark:text-emerald-400" : "text-red-700 dark:text-red-400"}>
            {report.ok ? `Intact: ${report.checked} records checked.` : `Broken: ${report.problems[0]?.message}`}
          </span>
        )}
      </div>

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
          {rows.length === 0 && <EmptyRow colSpan={4}>Nothing recorded{FILTER_KEYS.some((k) => filters[k]) ? " that matches" : " yet"}.</EmptyRow>}
          {rows.map((r) => (
            <Tr key={r.id} data-testid={`activity-${r.id}`}>
              <Td className="whitespace-nowrap text-slate-600 dark:text-slate-400">
                <LocalTime iso={r.at} />
              </Td>
              <Td data-testid="activity-text">{r.text}</Td>
              <Td>
                <Badge tone={r.outcome === "ok" ? "success" : r.outcome === "pending" ? "neutral" : "danger"}>
                  {r.outcome === "ok" ? "done" : r.outcome === "pending" ? "in progress" : `failed: ${r.outcome}`}
                </Badge>
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
          {fresh.length ? ` (+${fresh.length} new)` : ""}
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
