"use client";
// "Are you sure?" for an action that is hard to undo: the question, what will happen, Cancel and the action itself.
// The server's refusal, if any, is shown inside the dialog.
import type { ReactNode } from "react";
import { Button } from "./button";
import { Dialog } from "./dialog";
import { FormAlert } from "./field";

export function ConfirmDialog({
  open,
  title,
  description,
  confirm,
  danger = false,
  busy = false,
  error,
  onConfirm,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  description?: string;
  /** The button's label: what it does ("Disable user"), never just "OK". */
  confirm: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
  children?: ReactNode;
}) {
  return (
    <Dialog open={open} onClose={onClose} title={title} description={description}>
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          onConfirm();
        }}
      >
        {children}
        <FormAlert message={error} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" variant={danger ? "danger" : "primary"} loading={busy}>
            {confirm}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
