/** The page's h1: takes focus after a navigation (see lib/focus.ts). */
import { useEffect, useRef, type ReactNode } from "react";
import { takeHeadingFocus } from "../lib/focus";

export function PageHeading({ children, className }: { children: ReactNode; className?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    takeHeadingFocus(ref.current);
  });
  return (
    <h1 ref={ref} tabIndex={-1} className={className}>
      {children}
    </h1>
  );
}
