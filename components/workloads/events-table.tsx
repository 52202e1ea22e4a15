"use client";
// The events about one object (involvedObject kind and name), live from an events watch, newest first.
import type { KubeObject } from "@/lib/k8s/meta";
import { useKubeList } from "@/components/kube/use-kube-list";
import { Badge, EmptyRow, TBody, THead, Table, Td, Th, Tr } from "@/components/ui";
import { age } from "./age";

interface KubeEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
  eventTime?: string | null;
  involvedObject?: { fieldPath?: string };
}

const when = (e: KubeEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? "";

export function EventsTable({ namespace, kind, name, now }: { namespace: string; kind: string; name: string; now: number }) {
  const { items, synced, error } = useKubeList<KubeEvent>({
    group: "",
    version: "v1",
    plural: "events",
    namespace,
    fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
  });
  const events = [...items].sort((a, b) => when(b).localeCompare(when(a)));
  return (
    <Table caption={`Events about this ${kind}`}>
      <THead>
        <Tr>
          <Th>Type</Th>
          <Th>Reason</Th>
          <Th>Age</Th>
          <Th>From</Th>
          <Th>Message</Th>
        </Tr>
      </THead>
      <TBody>
        {error && <EmptyRow colSpan={5}>Events could not be watched: {error}</EmptyRow>}
        {!error && events.length === 0 && <EmptyRow colSpan={5}>{synced ? "No events." : "Loading…"}</EmptyRow>}
        {events.map((e) => (
          <Tr key={e.metadata.name} data-testid="event-row">
            <Td>{e.type === "Warning" ? <Badge tone="warning">Warning</Badge> : <Badge>{e.type ?? "Normal"}</Badge>}</Td>
            <Td className="font-medium">{e.reason}</Td>
            <Td className="whitespace-nowrap text-xs">
              {age(when(e), now)}
              {(e.count ?? 1) > 1 ? ` (×${e.count})` : ""}
            </Td>
            <Td className="text-xs">{e.involvedObject?.fieldPath ?? ""}</Td>
            <Td className="text-sm">{e.message}</Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}
