import type { Metadata, Viewport } from "next";
import Link from "next/link";
import type { ReactNode } from "react";

import { SiteNav } from "@/components/common/SiteNav";
import { TokenSettings } from "@/components/common/TokenSettings";

import "./globals.css";

export const metadata: Metadata = {
  title: "healthopt",
  description: "Health-aware hyperparameter optimization of Keras models",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <div className="site-header-inner">
            <Link href="/" className="brand">
              healthopt
            </Link>
            <SiteNav />
            <TokenSettings />
          </div>
        </header>
        <main className="site-main">{children}</main>
      </body>
    </html>
  );
}
