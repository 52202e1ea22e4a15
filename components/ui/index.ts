// Small accessible Tailwind primitives shared by every page.
export { cn } from "./cn";
export { Button, type ButtonProps, type ButtonVariant } from "./button";
export { Input, type InputProps } from "./input";
export { Label } from "./label";
export { Select, type SelectProps } from "./select";
export { Field, FieldError, FormAlert } from "./field";
export { Badge, type BadgeTone } from "./badge";
export { Dialog, type DialogProps } from "./dialog";
export { Table, THead, TBody, Tr, Th, Td, EmptyRow } from "./table";
export { ConfirmDialog } from "./confirm-dialog";
export { NotAllowed } from "./not-allowed";
export { LocalTime, formatUtc } from "./local-time";
