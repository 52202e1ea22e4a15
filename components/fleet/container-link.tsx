// A container's name linking to its page (lib/containers/container-href.ts keeps the reference one path segment); a
// reference that cannot be one is shown without a link.
import Link from "next/link";
import { containerHref } from "@/lib/containers/container-href";

export function ContainerLink({ hostId, id, name }: { hostId: number | null; id: string; name: string }) {
  const href = hostId === null ? null : containerHref(hostId, id);
  if (!href) return <span>{name}</span>;
  return (
    <Link href={href} className="text-indigo-700 hover:underline dark:text-indigo-400">
      {name}
    </Link>
  );
}
