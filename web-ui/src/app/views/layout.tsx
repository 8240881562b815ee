import type { Metadata } from "next";
import type { ReactNode } from "react";

// The page itself is a client component, which cannot export metadata.
export const metadata: Metadata = { title: "Run views · healthopt" };

export default function ViewsLayout({ children }: { children: ReactNode }) {
  return children;
}
