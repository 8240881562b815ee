import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import type { BestModel } from "@/lib/api/types";

import { DownloadBar } from "./DownloadBar";

function best(bundle_url: string | null): BestModel {
  return {
    run_name: "run_a",
    model_ready: bundle_url !== null,
    model_url: "/jobs/job-1/best-model/model",
    bundle_url,
    plots_zip_url: "/jobs/job-1/plots.zip",
    architecture_url: "/jobs/job-1/best-model/architecture",
  } as unknown as BestModel;
}

describe("DownloadBar", () => {
  it("offers the optimized_model bundle once it is assembled", () => {
    render(<DownloadBar best={best("/jobs/job-1/best-model/bundle.zip")} plotCount={2} />);
    const bundle = screen.getByTestId("download-bundle") as HTMLButtonElement;
    expect(bundle.disabled).toBe(false);
    expect(bundle.textContent).toBe("Download bundle (.zip)");
  });

  it("says when the bundle comes while the job runs", () => {
    render(<DownloadBar best={best(null)} plotCount={0} />);
    const bundle = screen.getByTestId("download-bundle") as HTMLButtonElement;
    expect(bundle.disabled).toBe(true);
    const hint = document.getElementById(bundle.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toBe("The bundle is assembled after the last trial.");
  });
});
