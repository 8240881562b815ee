import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { setToken } from "@/lib/token";
import { API_URL, installFakeApi, pathOf } from "@/testing/fakeApi";
import { studyResults } from "@/testing/studyFixtures";

import { StudyResults } from "./StudyResults";

const api = installFakeApi();
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

function rows(testId: string): string[][] {
  const body = screen.getByTestId(testId).querySelectorAll("tbody tr");
  return [...body].map((row) =>
    [...row.querySelectorAll("th, td")].map((cell) => cell.textContent ?? ""),
  );
}

describe("StudyResults", () => {
  beforeEach(() => {
    // jsdom has no object URLs; the page only needs one string per blob.
    URL.createObjectURL = vi.fn(() => "blob:figure");
    URL.revokeObjectURL = vi.fn();
    api.answer((request) =>
      pathOf(request).includes("/figures/")
        ? new Response(PNG, { headers: { "Content-Type": "image/png" } })
        : undefined,
    );
  });

  afterEach(() => setToken(null));

  it("states the verdict and formats the executive summary as the report does", () => {
    render(<StudyResults studyId="study_digits_1" results={studyResults()} reportAvailable />);
    expect(screen.getByTestId("study-verdict").textContent).toBe(
      "Health-aware models are more accurate on the holdout (p < 0.001, n = 3 pairs).",
    );
    expect(rows("executive-summary")).toEqual([
      ["Validation accuracy", "91.2%", "90.0%", "-1.23 pp", "0.410", "no"],
      ["Holdout accuracy", "87.0%", "91.0%", "+4.00 pp", "< 0.001", "yes"],
      ["Generalization gap (val - holdout)", "+3.00 pp", "—", "—", "—", "—"],
    ]);
  });

  it("names the winner only when there is one", () => {
    const { rerender } = render(
      <StudyResults studyId="study_digits_1" results={studyResults()} reportAvailable />,
    );
    expect(screen.getByTestId("study-winner").textContent).toBe("Winner: Health-aware");
    const results = studyResults();
    const noWinner = studyResults({
      executive_summary: {
        ...results.executive_summary,
        winner: null,
        verdict: "No significant difference in holdout accuracy (p = 0.41, n = 3 pairs).",
      },
    });
    rerender(<StudyResults studyId="study_digits_1" results={noWinner} reportAvailable />);
    expect(screen.queryByTestId("study-winner")).toBeNull();
    expect(screen.queryByText(/Winner/)).toBeNull();
    expect(screen.getByTestId("study-verdict").textContent).toMatch(/No significant difference/);
  });

  it("lists each mode's selected model", () => {
    render(<StudyResults studyId="study_digits_1" results={studyResults()} reportAvailable />);
    const [accuracyOnly, healthAware] = rows("selected-models");
    expect(accuracyOnly.slice(0, 7)).toEqual([
      "Accuracy-only",
      "accuracy_only run 1",
      "90.0%",
      "88.0%",
      "87.0%",
      "0.610",
      "7.00k",
    ]);
    expect(accuracyOnly[7]).toBe("learning_rate=0.00123457, activation=relu");
    expect(healthAware[1]).toBe("health_aware run 0");
  });

  it("shows modules in the server's order, an unavailable one with its reason only", () => {
    render(<StudyResults studyId="study_digits_1" results={studyResults()} reportAvailable />);
    const sections = screen.getAllByTestId(/^module-(generalization|transfer)$/);
    expect(sections.map((s) => s.dataset.testid)).toEqual([
      "module-generalization",
      "module-transfer",
    ]);
    const transfer = screen.getByTestId("module-transfer");
    expect(transfer.dataset.available).toBe("false");
    expect(within(transfer).getByRole("heading").textContent).toBe(
      "Cross-dataset transfernot available",
    );
    expect(within(transfer).getByTestId("module-reason").textContent).toBe(
      "no related dataset is known for digits",
    );
    expect(within(transfer).queryByRole("list")).toBeNull(); // its summary repeats the reason
    expect(within(transfer).queryByRole("table")).toBeNull();

    const generalization = screen.getByTestId("module-generalization");
    expect(within(generalization).getByRole("listitem").textContent).toMatch(/health-aware 91.0%/);
    const table = within(generalization).getByTestId("module-table");
    expect(table.querySelector("caption")?.textContent).toBe("Every run's selected model");
    expect(within(table).getAllByRole("cell").map((cell) => cell.textContent)).toEqual([
      "accuracy_only run 0",
      "0.871",
      "7002",
      "health_aware run 0",
      "—",
      "45,200",
    ]);
    expect(within(generalization).getByText("Holdout: 180 samples.")).toBeTruthy();
  });

  it("loads each figure by its file name with the token, as an object URL", async () => {
    setToken("secret");
    render(<StudyResults studyId="study_digits_1" results={studyResults()} reportAvailable />);
    const image = (await screen.findByTestId("study-figure")) as HTMLImageElement;
    expect(image.src).toBe("blob:figure");
    expect(image.alt).toBe("Holdout accuracy per run");
    const request = api.requests.find((r) => pathOf(r).includes("/figures/"))!;
    expect(request.url).toBe(
      `${API_URL}/comparison-study/study_digits_1/figures/generalization_holdout.png`,
    );
    expect(request.headers.get("Authorization")).toBe("Bearer secret");
  });

  it("downloads the report with the token, named after the study", async () => {
    setToken("secret");
    api.answer((request) =>
      pathOf(request).endsWith("/report/pdf")
        ? new Response("%PDF-1.4", { headers: { "Content-Type": "application/pdf" } })
        : new Response(PNG),
    );
    const clicked: HTMLAnchorElement[] = [];
    const click = vi
      .spyOn(HTMLAnchorElement.prototype, "click")
      .mockImplementation(function (this: HTMLAnchorElement) {
        clicked.push(this);
      });
    render(<StudyResults studyId="study_digits_1" results={studyResults()} reportAvailable />);
    await userEvent.click(screen.getByTestId("download-report"));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0].download).toBe("study_digits_1_report.pdf");
    const request = api.requests.find((r) => pathOf(r).endsWith("/report/pdf"))!;
    expect(pathOf(request)).toBe("/comparison-study/study_digits_1/report/pdf");
    expect(request.headers.get("Authorization")).toBe("Bearer secret");
    click.mockRestore();
  });

  it("offers the report only once it is written", () => {
    render(
      <StudyResults studyId="study_digits_1" results={studyResults()} reportAvailable={false} />,
    );
    const button = screen.getByTestId("download-report") as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(button.textContent).toBe("Download report (PDF)");
  });
});
