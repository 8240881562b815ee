import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { currentSection, SiteNav } from "./SiteNav";

const navigation = vi.hoisted(() => ({ pathname: "/" }));
vi.mock("next/navigation", () => ({ usePathname: () => navigation.pathname }));

function tab(name: RegExp): HTMLElement {
  return screen.getByRole("link", { name });
}

describe("SiteNav", () => {
  beforeEach(() => {
    navigation.pathname = "/";
  });

  it("offers both sections as links in a labelled navigation", () => {
    render(<SiteNav />);
    expect(screen.getByRole("navigation", { name: "Sections" })).toBeTruthy();
    expect(tab(/Hyperparameter Exploration/).getAttribute("href")).toBe("/");
    expect(tab(/Hyperparameter Study/).getAttribute("href")).toBe("/study");
  });

  it.each([
    ["/", "Exploration"],
    ["/run", "Exploration"],
    ["/best", "Exploration"],
    ["/study", "Study"],
  ])("marks the section of %s as the current page", (pathname, section) => {
    navigation.pathname = pathname;
    render(<SiteNav />);
    const current = screen
      .getAllByRole("link")
      .filter((link) => link.getAttribute("aria-current") === "page");
    expect(current.map((link) => link.textContent)).toEqual([`Hyperparameter ${section}`]);
  });

  it("is reachable with the keyboard, in reading order", async () => {
    render(<SiteNav />);
    const user = userEvent.setup();
    await user.tab();
    expect(document.activeElement).toBe(tab(/Exploration/));
    await user.tab();
    expect(document.activeElement).toBe(tab(/Study/));
  });
});

describe("currentSection", () => {
  it("matches whole path segments only", () => {
    expect(currentSection("/study")).toBe("/study");
    expect(currentSection("/studyguide")).toBeNull();
    expect(currentSection("/runtime-config")).toBeNull();
    expect(currentSection(null)).toBeNull();
  });
});
