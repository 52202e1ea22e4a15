import type { HTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from "react";
import { cn } from "./cn";

/** A plain, accessible data table: give it a caption (visually hidden with srOnlyCaption) for screen readers. */
export function Table({ caption, srOnlyCaption = true, className, children, ...rest }: HTMLAttributes<HTMLTableElement> & { caption?: string; srOnlyCaption?: boolean }) {
  return (
    <div className="relative overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800">
      <table className={cn("min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800", className)} {...rest}>
        {caption && <caption className={srOnlyCaption ? "sr-only" : "px-4 py-2 text-left font-medium"}>{caption}</caption>}
        {children}
      </table>
    </div>
  );
}

export function THead(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className="bg-slate-50 dark:bg-slate-900" {...props} />;
}

export function TBody(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className="divide-y divide-slate-200 bg-white dark:divide-slate-800 dark:bg-slate-950" {...props} />;
}

export function Tr(props: HTMLAttributes<HTMLTableRowElement>) {
  return <tr {...props} />;
}

export function Th({ className, scope = "col", ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope={scope} className={cn("px-4 py-2 text-left font-medium text-slate-600 dark:text-slate-400", className)} {...rest} />;
}

export function Td({ className, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn("px-4 py-2 align-middle", className)} {...rest} />;
}

/** One full-width row saying why the table is empty. */
export function EmptyRow({ colSpan, children }: { colSpan: number; children: React.ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-4 py-8 text-center text-slate-500 dark:text-slate-400">
        {children}
      </td>
    </tr>
  );
}
