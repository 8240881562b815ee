import type { Metadata } from "next";
import type { ReactNode } from "react";

// The page itself is a client component, which cannot export metadata.
export const metadata: Metadata = { title: "Trials · healthopt" };

export default function TrialsLayout({ children }: { children: ReactNode }) {
  return children;
}
