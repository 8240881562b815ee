"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import styles from "./siteNav.module.css";

/** The dashboard's sections; each owns the pages under its prefixes. */
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
  {
    href: "/runs",
    label: "Runs",
    testId: "tab-runs",
    // Every run in the results folder, its trial list, one trial and the run's views.
    owns: ["/runs", "/trials", "/trial", "/views"],
  },
  {
    href: "/compare",
    label: "Compare",
    testId: "tab-compare",
    owns: ["/compare"],
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
      <ul className={styles.tabs}>
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
