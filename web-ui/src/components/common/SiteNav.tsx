"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** The dashboard's two sections; each owns the pages under its prefixes. */
export const SECTIONS = [
  {
    href: "/",
    label: "Hyperparameter Exploration",
    testId: "tab-exploration",
    // A run and its best model belong to the optimization that started them.
    owns: ["/", "/run", "/best"],
  },
  {
    href: "/study",
    label: "Hyperparameter Study",
    testId: "tab-study",
    owns: ["/study"],
  },
] as const;

/** The section a path belongs to. */
export function currentSection(pathname: string | null): (typeof SECTIONS)[number]["href"] | null {
  if (!pathname) return null;
  const section = SECTIONS.find((s) =>
    s.owns.some((prefix) =>
      prefix === "/" ? pathname === "/" : pathname === prefix || pathname.startsWith(`${prefix}/`),
    ),
  );
  return section?.href ?? null;
}

/** Top-level navigation: ordinary links (keyboard reachable), the current one marked. */
export function SiteNav() {
  const current = currentSection(usePathname());
  return (
    <nav className="site-nav" aria-label="Sections">
      <ul>
        {SECTIONS.map((section) => {
          const active = section.href === current;
          return (
            <li key={section.href}>
              <Link
                href={section.href}
                className={active ? "site-tab site-tab-current" : "site-tab"}
                aria-current={active ? "page" : undefined}
                data-testid={section.testId}
              >
                {section.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
