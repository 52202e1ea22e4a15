// An object's status conditions: type, status, reason, message, when it last changed.
import { EmptyRow, TBody, THead, Table, Td, Th, Tr, Badge } from "@/components/ui";
import { age } from "./age";

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export function ConditionsTable({ conditions, now }: { conditions: readonly Condition[]; now: number }) {
  return (
    <Table caption="Conditions">
      <THead>
        <Tr>
          <Th>Type</Th>
          <Th>Status</Th>
          <Th>Reason</Th>
          <Th>Message</Th>
          <Th>Changed</Th>
        </Tr>
      </THead>
      <TBody>
        {conditions.length === 0 && <EmptyRow colSpan={5}>No conditions reported yet.</EmptyRow>}
        {conditions.map((c) => (
          <Tr key={c.type} data-testid="condition" data-type={c.type} data-status={c.status}>
            <Td className="font-medium">{c.type}</Td>
            <Td>
              <Badge tone={c.status === "True" ? "success" : c.status === "False" ? "warning" : "neutral"}>{c.status}</Badge>
            </Td>
            <Td>{c.reason ?? ""}</Td>
            <Td className="text-sm">{c.message ?? ""}</Td>
            <Td className="whitespace-nowrap text-xs">{age(c.lastTransitionTime ?? c.lastUpdateTime, now)} ago</Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}
