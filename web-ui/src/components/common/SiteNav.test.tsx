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

  it("offers every section as a link in a labelled navigation", () => {
    render(<SiteNav />);
    expect(screen.getByRole("navigation", { name: "Sections" })).toBeTruthy();
    expect(tab(/Hyperparameter Exploration/).getAttribute("href")).toBe("/");
    expect(tab(/Hyperparameter Study/).getAttribute("href")).toBe("/study");
    expect(tab(/^Runs$/).getAttribute("href")).toBe("/runs");
    expect(tab(/^Compare$/).getAttribute("href")).toBe("/compare");
  });

  it.each([
    ["/", "Hyperparameter Exploration"],
    ["/run", "Hyperparameter Exploration"],
    ["/best", "Hyperparameter Exploration"],
    ["/study", "Hyperparameter Study"],
    ["/runs", "Runs"],
    ["/trials", "Runs"],
    ["/trial", "Runs"],
    ["/views", "Runs"],
    ["/compare", "Compare"],
  ])("marks the section of %s as the current page", (pathname, section) => {
    navigation.pathname = pathname;
    render(<SiteNav />);
    const current = screen
      .getAllByRole("link")
      .filter((link) => link.getAttribute("aria-current") === "page");
    expect(current.map((link) => link.textContent)).toEqual([section]);
  });

  it("is reachable with the keyboard, in reading order", async () => {
    render(<SiteNav />);
    const user = userEvent.setup();
    await user.tab();
    expect(document.activeElement).toBe(tab(/Exploration/));
    await user.tab();
    expect(document.activeElement).toBe(tab(/Study/));
    await user.tab();
    expect(document.activeElement).toBe(tab(/^Runs$/));
    await user.tab();
    expect(document.activeElement).toBe(tab(/^Compare$/));
  });
});

describe("currentSection", () => {
  it("matches whole path segments only", () => {
    expect(currentSection("/study")).toBe("/study");
    expect(currentSection("/studyguide")).toBeNull();
    expect(currentSection("/trial")).toBe("/runs");
    expect(currentSection("/trialsomething")).toBeNull();
    expect(currentSection("/runtime-config")).toBeNull();
    expect(currentSection(null)).toBeNull();
  });
});
