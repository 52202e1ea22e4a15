"use client";
// Search the fleet from any page: the header's Find button, or "/" or Ctrl-K (⌘K) anywhere outside a text field.
// Hosts, containers and images matching what is typed (GET /api/v1/search), as links; Enter opens the first.
import { api, ApiError } from "@/components/api/client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Dialog, Input } from "@/components/ui";
import { containerHref } from "@/lib/containers/container-href";
import type { SearchResult } from "@/lib/search/schemas";

interface Hit {
  href: string;
  label: string;
  detail: string;
}

function hitsOf(r: SearchResult): Array<{ kind: string; hits: Hit[] }> {
  return [
    { kind: "Hosts", hits: r.hosts.map((h) => ({ href: `/hosts/${h.id}`, label: h.name, detail: `host ${h.id} · ${h.status}` })) },
    {
      kind: "Containers",
      hits: r.containers.flatMap((c) => {
        const href = containerHref(c.hostId, c.id);
        return href ? [{ href, label: c.name, detail: `${c.image} · ${c.state} · host ${c.hostId}` }] : [];
      }),
    },
    { kind: "Images", hits: r.images.map((i) => ({ href: `/images?host=${i.hostId}`, label: i.repoTags[0] ?? i.id.slice(7, 19), detail: `${i.id.slice(7, 19)} · host ${i.hostId}` })) },
  ].filter((g) => g.hits.length > 0);
}

/** Whether a key press is meant for a text field rather than for the page. */
const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));

export function GlobalSearch() {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState("");
  const [result, setResult] = useState<SearchResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  const seq = useRef(0);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.key === "k" && (e.ctrlKey || e.metaKey)) || (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target))) {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    const text = q.trim();
    const mine = ++seq.current;
    if (!text) return void (setResult(null), setError(null));
    const t = setTimeout(async () => {
      try {
        const body = await api.get<SearchResult>(`/api/v1/search?q=${encodeURIComponent(text)}`, { cache: "no-store" });
        if (mine !== seq.current) return;
        setResult(body);
        setError(null);
      } catch (e) {
        if (mine === seq.current) setError((e as ApiError).message);
      }
    }, 150);
    return () => clearTimeout(t);
  }, [q]);

  const close = () => {
    setOpen(false);
    setQ("");
    setResult(null);
  };
  const groups = result ? hitsOf(result) : [];

  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        aria-keyshortcuts="/ Control+K"
        title="Find hosts, containers and images (/ or Ctrl-K)"
        className="rounded-md border border-slate-300 px-2 py-1 text-sm text-slate-600 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        {/* Not "Search", and no label naming hosts or images: pages have their own search buttons and Host fields. */}
        Find <kbd className="ml-1 text-xs text-slate-400">/</kbd>
      </button>
      <Dialog open={open} onClose={close} title="Search the fleet" description="Hosts, containers and images by name, id, image or label (key or key=value).">
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            const first = groups[0]?.hits[0];
            if (first) (close(), router.push(first.href));
          }}
          className="space-y-3"
        >
          <Input aria-label="Search" autoFocus value={q} onChange={(e) => setQ(e.target.value)} placeholder="web, 3f2a9c, busybox, team=blue" />
          {error && <p className="text-sm text-red-700 dark:text-red-400">{error}</p>}
          {result && groups.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">Nothing matches “{q.trim()}”.</p>}
          {groups.map((g) => (
            <section key={g.kind} aria-label={g.kind}>
              <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{g.kind}</h3>
              <ul>
                {g.hits.map((h) => (
                  <li key={h.href + h.label}>
                    <Link href={h.href} onClick={close} className="block rounded px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800">
                      <span className="font-medium">{h.label}</span> <span className="text-xs text-slate-500">{h.detail}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </form>
      </Dialog>
    </>
  );
}
