// Which main-navigation entry a path belongs to. A container's pages live under its host's URL
// (/hosts/{id}/containers/{cid}…) but are reached from, and belong to, Containers; otherwise the longest link that is
// the path or a parent of it wins.
const CONTAINER_PAGE = /^\/hosts\/[^/]+\/containers(\/|$)/;

export function activeNavHref(path: string, hrefs: string[]): string | null {
  if (CONTAINER_PAGE.test(path) && hrefs.includes("/containers")) return "/containers";
  let best: string | null = null;
  for (const href of hrefs) {
    if ((path === href || path.startsWith(`${href}/`)) && (best === null || href.length > best.length)) best = href;
  }
  return best;
}
