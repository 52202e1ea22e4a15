import { forwardRef, type SelectHTMLAttributes } from "react";
import { cn } from "./cn";
import { inputClass } from "./input";

export interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  invalid?: boolean;
}

/** A native <select>: keyboard and screen-reader behaviour come from the browser. */
export const Select = forwardRef<HTMLSelectElement, SelectProps>(function Select({ invalid, className, ...rest }, ref) {
  return (
    <select
      ref={ref}
      aria-invalid={invalid || undefined}
      className={cn(inputClass, "pr-8", invalid ? "border-red-500" : "border-slate-300 dark:border-slate-700", className)}
      {...rest}
    />
  );
});
