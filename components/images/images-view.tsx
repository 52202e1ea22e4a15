"use client";
// /images — one host's images, one row per tag as `docker images` lists them (an untagged image gets one row by id,
// hidden until "Show untagged images" is ticked: build steps and replaced pulls leave many). Those allowed pull (with a
// bar per layer), tag, remove (confirmed; "force" for an image in use) and prune; every row links to the run form.
// Everything goes through /api/v1/hosts/{id}/images and the /browser pull stream.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import { Button, Dialog, EmptyRow, Field, FormAlert, Input, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { formatBytes, formatTime } from "@/components/hosts/format";
import { ImageReference } from "@/lib/oci/reference";
import type { ImagePruneResult, ImageSummary } from "@/lib/protocol/commands";
import { pruneDone, removalDone, removalRefused } from "./removal";
import { callApi } from "@/components/api/client";
import type { HostOption } from "./api";
import { HostPicker } from "./host-picker";
import { PullProgressView } from "./pull-progress-view";
import { useLiveHosts } from "./use-live-hosts";
import { useImagePull } from "./use-image-pull";

interface ImageRow {
  /** What to tag, remove or run: the repo:tag, or the id for an untagged image. */
  ref: string;
  repository: string;
  tag: string;
  image: ImageSummary;
}

function rowsOf(images: ImageSummary[]): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const image of images) {
    if (image.repoTags.length === 0) rows.push({ ref: image.id, repository: "<none>", tag: "<none>", image });
    for (const t of image.repoTags) {
      const colon = t.lastIndexOf(":");
      const slash = t.lastIndexOf("/");
      const [repository, tag] = colon > slash ? [t.slice(0, colon), t.slice(colon + 1)] : [t, ""];
      rows.push({ ref: t, repository, tag, image });
    }
  }
  return rows.sort((a, b) => a.ref.localeCompare(b.ref));
}

const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

/** Docker's reference rules, with the reason when it is not one. */
function referenceProblem(ref: string): string | null {
  if (!ref.trim()) return "an image reference is required (e.g. busybox:latest)";
  try {
    ImageReference.parse(ref.trim());
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export function ImagesView({ hosts: initialHosts, initialHostId, canManage, canRun }: { hosts: HostOption[]; initialHostId: number | null; canManage: boolean; canRun: boolean }) {
  const hosts = useLiveHosts(initialHosts);
  const router = useRouter();
  const [hostId, setHostId] = useState<number | null>(initialHostId);
  const [images, setImages] = useState<ImageSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pullRef, setPullRef] = useState("");
  const [pullError, setPullError] = useState<string | null>(null);
  const [tagging, setTagging] = useState<ImageRow | null>(null);
  const [removing, setRemoving] = useState<ImageRow | null>(null);
  const [pruning, setPruning] = useState(false);
  const [showUntagged, setShowUntagged] = useState(false);
  const pull = useImagePull();
  const host = hosts.find((h) => h.id === hostId) ?? null;

  // Loads overlap (a host's status flips while one is in flight, a pull ends): only the latest one's answer counts, so
  // an older refusal ("host is offline") arriving last cannot blank a list a newer load already showed.
  const loadSeq = useRef(0);
  const load = useCallback(async (id: number) => {
    const seq = ++loadSeq.current;
    const r = await callApi<ImageSummary[]>("GET", `/api/v1/hosts/${id}/images`);
    if (seq !== loadSeq.current) return;
    if (r.ok) {
      setImages(r.data ?? []);
      setLoadError(null);
    } else {
      setImages(null);
      setLoadError(r.error ?? "the images could not be listed");
    }
  }, []);

  // (Re)load on choosing a host and whenever its status changes: an offline host's list comes once it is back.
  const hostStatus = host?.status;
  useEffect(() => {
    if (hostId !== null) void load(hostId);
  }, [hostId, hostStatus, load]);

  function chooseHost(id: number) {
    setHostId(id);
    setImages(null);
    setError(null);
    setNotice(null);
    pull.reset();
    router.replace(`/images?host=${id}`);
  }

  async function submitPull(e: FormEvent) {
    e.preventDefault();
    if (hostId === null) return;
    const problem = referenceProblem(pullRef);
    setPullError(problem);
    if (problem) return;
    setNotice(null);
    const r = await pull.pull(hostId, pullRef.trim());
    if (r.ok) setNotice(`Pulled ${pullRef.trim()}`);
    await load(hostId);
  }

  const untaggedCount = images ? images.filter((i) => i.repoTags.length === 0).length : 0;
  const rows = images ? rowsOf(showUntagged ? images : images.filter((i) => i.repoTags.length > 0)) : [];
  const cols = canManage ? 6 : 5;

  return (
    <section aria-labelledby="images-title" className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 id="images-title" className="text-xl font-semibold">
            Images
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">The images on one host. Pull, tag and remove them, or run a container from one.</p>
        </div>
        <div className="w-full sm:w-80">
          <Field id="images-host" label="Host">
            <HostPicker id="images-host" hosts={hosts} value={hostId} onChange={chooseHost} />
          </Field>
        </div>
      </div>

      {hosts.length === 0 && <FormAlert tone="info" message="No hosts have joined yet: add one on the Hosts page." />}
      {host && host.status !== "online" && <FormAlert tone="info" message={`${host.name} is ${host.status}: its images can be listed only while it is online.`} />}

      {canManage && hostId !== null && (
        <form onSubmit={submitPull} className="flex flex-wrap items-start gap-3" aria-label="Pull an image">
          <div className="min-w-80 flex-1">
            <Field id="pull-ref" label="Image to pull" hint="e.g. busybox:latest or registry.example.com/team/app:v1" error={pullError}>
              <Input
                id="pull-ref"
                value={pullRef}
                onChange={(e) => setPullRef(e.target.value)}
                placeholder="busybox:latest"
                invalid={!!pullError}
                aria-describedby={pullError ? "pull-ref-error" : "pull-ref-hint"}
              />
            </Field>
          </div>
          <Button type="submit" className="mt-6" loading={pull.running}>
            Pull
          </Button>
        </form>
      )}
      <PullProgressView pull={pull} />

      <FormAlert message={error} />
      <FormAlert tone="info" message={notice} />
      {loadError && (
        <div className="flex items-start gap-3">
          <div className="flex-1">
            <FormAlert message={`The images could not be listed: ${loadError}`} />
          </div>
          {hostId !== null && (
            <Button variant="secondary" onClick={() => void load(hostId)}>
              Retry
            </Button>
          )}
        </div>
      )}

      {images !== null && (
        <div className="flex flex-wrap items-center justify-between gap-3">
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={showUntagged} onChange={(e) => setShowUntagged(e.target.checked)} />
            Show untagged images ({untaggedCount})
          </label>
          {canManage && hostId !== null && (
            <Button size="sm" variant="secondary" onClick={() => setPruning(true)}>
              Prune unused images
            </Button>
          )}
        </div>
      )}

      <Table caption={host ? `Images on ${host.name}` : "Images"} aria-busy={images === null && !loadError}>
        <THead>
          <Tr>
            <Th>Repository</Th>
            <Th>Tag</Th>
            <Th>Image ID</Th>
            <Th>Size</Th>
            <Th>Created</Th>
            {canManage || canRun ? <Th className="text-right">Actions</Th> : null}
          </Tr>
        </THead>
        <TBody>
          {images !== null && rows.length === 0 && (
            <EmptyRow colSpan={cols}>{untaggedCount && !showUntagged ? `No tagged images on this host (${untaggedCount} untagged).` : "No images on this host yet."}</EmptyRow>
          )}
          {rows.map((row) => (
            <Tr key={`${row.image.id}-${row.ref}`} data-testid={`image-row-${row.ref}`}>
              <Td className="font-mono text-xs">{row.repository}</Td>
              <Td className="font-mono text-xs">{row.tag}</Td>
              <Td className="font-mono text-xs" title={row.image.id}>
                {shortId(row.image.id)}
              </Td>
              <Td>{formatBytes(row.image.sizeBytes)}</Td>
              <Td>{formatTime(row.image.createdAt)}</Td>
              {canManage || canRun ? (
                <Td className="text-right">
                  <div className="flex justify-end gap-2">
                    {canRun && hostId !== null && (
                      <Link
                        href={`/containers/new?host=${hostId}&image=${encodeURIComponent(row.ref)}`}
                        aria-label={`Run ${row.ref}`}
                        className="inline-flex h-8 items-center rounded-md px-3 text-sm font-medium text-indigo-700 hover:bg-slate-100 dark:text-indigo-400 dark:hover:bg-slate-800"
                      >
                        Run
                      </Link>
                    )}
                    {canManage && (
                      <>
                        <Button size="sm" variant="secondary" aria-label={`Tag ${row.ref}`} onClick={() => setTagging(row)}>
                          Tag
                        </Button>
                        <Button size="sm" variant="danger" aria-label={`Remove ${row.ref}`} onClick={() => setRemoving(row)}>
                          Remove
                        </Button>
                      </>
                    )}
                  </div>
                </Td>
              ) : null}
            </Tr>
          ))}
        </TBody>
      </Table>

      {tagging && hostId !== null && (
        <TagDialog
          row={tagging}
          hostId={hostId}
          onClose={() => setTagging(null)}
          onDone={async (target) => {
            setTagging(null);
            setError(null);
            setNotice(`Tagged ${tagging.ref} as ${target}`);
            await load(hostId);
          }}
        />
      )}
      {removing && hostId !== null && (
        <RemoveDialog
          row={removing}
          hostId={hostId}
          onClose={() => setRemoving(null)}
          onDone={async (message) => {
            setRemoving(null);
            setError(null);
            setNotice(message);
            await load(hostId);
          }}
        />
      )}
      {pruning && hostId !== null && (
        <PruneDialog
          hostName={host?.name ?? `host ${hostId}`}
          hostId={hostId}
          onClose={() => setPruning(false)}
          onDone={async (message) => {
            setPruning(false);
            setError(null);
            setNotice(message);
            await load(hostId);
          }}
        />
      )}
    </section>
  );
}

function TagDialog({ row, hostId, onClose, onDone }: { row: ImageRow; hostId: number; onClose: () => void; onDone: (target: string) => void }) {
  const [target, setTarget] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problem = referenceProblem(target);
    if (problem) return setError(problem);
    setBusy(true);
    const r = await callApi("POST", `/api/v1/hosts/${hostId}/images/tag`, { source: row.ref, target: target.trim() });
    setBusy(false);
    if (!r.ok) return setError(r.error ?? "tagging failed");
    onDone(target.trim());
  }

  return (
    <Dialog open onClose={onClose} title="Tag image" description={`Give ${row.ref} another name on this host.`}>
      <form onSubmit={submit} className="space-y-4">
        <Field id="tag-target" label="New tag" hint="repository[:tag], e.g. myapp:v2" error={error}>
          <Input id="tag-target" value={target} onChange={(e) => setTarget(e.target.value)} invalid={!!error} aria-describedby={error ? "tag-target-error" : "tag-target-hint"} autoFocus />
        </Field>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            Tag
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function RemoveDialog({ row, hostId, onClose, onDone }: { row: ImageRow; hostId: number; onClose: () => void; onDone: (message: string) => void }) {
  const [force, setForce] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function remove() {
    setBusy(true);
    const q = new URLSearchParams({ ref: row.ref, ...(force ? { force: "true" } : {}) });
    const r = await callApi<{ untagged?: string[]; deleted?: string[] }>("DELETE", `/api/v1/hosts/${hostId}/images?${q}`);
    setBusy(false);
    if (!r.ok) return setError(r.status === 409 ? removalRefused(row.ref, r.error ?? "refused") : (r.error ?? "removing failed"));
    onDone(removalDone(row.ref, row.image.repoTags, r.data ?? {}));
  }

  const otherTags = row.image.repoTags.length > 1;
  return (
    <Dialog
      open
      onClose={onClose}
      title="Remove image"
      description={otherTags ? `Remove the tag ${row.ref}? The image keeps its other tags.` : `Remove ${row.ref} from this host?`}
    >
      <div className="space-y-4">
        <FormAlert message={error} />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
          Force (take every tag off, even if a container uses it; the image stays while one does)
        </label>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="danger" loading={busy} onClick={remove}>
            Remove
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

function PruneDialog({ hostName, hostId, onClose, onDone }: { hostName: string; hostId: number; onClose: () => void; onDone: (message: string) => void }) {
  const [all, setAll] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function prune() {
    setBusy(true);
    const r = await callApi<ImagePruneResult>("POST", `/api/v1/hosts/${hostId}/images/prune`, { all });
    setBusy(false);
    if (!r.ok || !r.data) return setError(r.error ?? "pruning failed");
    onDone(pruneDone(r.data));
  }

  return (
    <Dialog open onClose={onClose} title="Prune images" description={`Remove the images no container on ${hostName} uses.`}>
      <div className="space-y-4">
        <FormAlert message={error} />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
          Tagged images too (otherwise only untagged ones)
        </label>
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button variant="danger" loading={busy} onClick={prune}>
            Prune
          </Button>
        </div>
      </div>
    </Dialog>
  );
}
