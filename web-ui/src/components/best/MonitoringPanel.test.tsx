import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { setToken } from "@/lib/token";
import { installFakeApi, pathOf } from "@/testing/fakeApi";

import type { MonitoringSummary } from "./monitoring";
import { MonitoringPanel } from "./MonitoringPanel";

const api = installFakeApi();
const JOB = "0123456789abcdef0123456789abcdef";
const SUMMARY_PATH = `/jobs/${JOB}/trials/3/monitoring`;
const REPORT_PATH = `${SUMMARY_PATH}/report`;
const REPORT =
  "<!doctype html><html><head><title>r</title></head>" +
  '<body><img src="data:image/png;base64,AA"></body></html>';
const ORACLE = "entropy > 0.8 and fracture_density > 0.7";

const SUMMARY: MonitoringSummary = {
  schema_version: 1,
  monitor_every: 1,
  epochs_recorded: 2,
  monitored_epochs: [0, 1],
  layers: [
    {
      name: "conv_0",
      type: "Conv2D",
      epochs: [
        { epoch: 0, layer_class: "Oracle", rule: ORACLE, metrics: {} },
        { epoch: 1, layer_class: "Wanderer", rule: "no rule above fired", metrics: {} },
      ],
      summary_class: "Wanderer",
      summary_share: 0.5,
      class_changes: 1,
      priority: "low",
      recommendation: "Balanced; nothing to change.",
    },
    {
      name: "dense_1",
      type: "Dense",
      epochs: [
        { epoch: 0, layer_class: "Oracle", rule: ORACLE, metrics: {} },
        { epoch: 1, layer_class: null, rule: "not classed: entropy not recorded", metrics: {} },
      ],
      summary_class: "Oracle",
      summary_share: 0.5,
      class_changes: 0,
      priority: "critical",
      recommendation: "This layer is not learning.",
    },
  ],
  anomalies: [
    {
      type: "classification_instability",
      layer: "conv_0",
      epoch: null,
      severity: 1.7,
      description: "conv_0 changed class 1 times in 2 monitored epochs",
    },
    {
      type: "convergence_issue",
      layer: "dense_1",
      epoch: null,
      severity: 3,
      description: "dense_1 never learned",
    },
  ],
  thresholds: {},
  rules: [],
  metric_definitions: {},
  notes: ["some epochs were not classed: entropy not recorded"],
};

function serve(summary: () => Response, report: () => Response = () => new Response(REPORT)) {
  api.answer((request) => {
    const path = pathOf(request);
    if (path === SUMMARY_PATH) return summary();
    if (path === REPORT_PATH) return report();
    return undefined;
  });
}

interface FakeTab {
  opener: unknown;
  location: { href: string };
  close: ReturnType<typeof vi.fn>;
}

const realOpen = window.open;

/** Stands in for window.open (jsdom has none), returning `tab`. */
function openReturning(tab: FakeTab) {
  const open = vi.fn(() => tab);
  window.open = open as unknown as typeof window.open;
  return open;
}

describe("MonitoringPanel", () => {
  let blobs: Blob[];

  beforeEach(() => {
    setToken("t0ken");
    blobs = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return `blob:report-${blobs.length}`;
    });
    URL.revokeObjectURL = vi.fn();
  });

  afterEach(() => {
    setToken(null);
    window.open = realOpen;
  });

  it("draws the class strip, a legend of the classes present, anomalies and layers", async () => {
    serve(() => Response.json(SUMMARY));
    render(<MonitoringPanel jobId={JOB} trial={3} />);
    const strip = await screen.findByTestId("class-strip");
    const request = api.requests.find((r) => pathOf(r) === SUMMARY_PATH);
    expect(request?.headers.get("Authorization")).toBe("Bearer t0ken");

    const rows = within(strip).getAllByRole("row");
    expect(rows.map((row) => row.textContent)).toEqual(["Layer01", "conv_0OrWa", "dense_1Or–"]);
    const cells = strip.querySelectorAll("td");
    expect([...cells].map((cell) => cell.getAttribute("data-class"))).toEqual([
      "Oracle",
      "Wanderer",
      "Oracle",
      "none",
    ]);
    expect(cells[0].getAttribute("title")).toBe(
      "conv_0, epoch 0: Oracle (entropy > 0.8 and fracture_density > 0.7)",
    );
    expect(cells[3].getAttribute("title")).toBe(
      "dense_1, epoch 1: Not classed (not classed: entropy not recorded)",
    );
    expect(screen.getByTestId("class-legend").textContent).toBe("OracleWanderernot classed");

    const anomalies = within(screen.getByTestId("anomalies")).getAllByRole("row").slice(1);
    expect(anomalies.map((row) => row.textContent)).toEqual([
      "Convergence issuedense_1several3.0×dense_1 never learned",
      "Unstable classconv_0several1.7×conv_0 changed class 1 times in 2 monitored epochs",
    ]);
    const layers = within(screen.getByTestId("layer-summaries")).getAllByRole("row").slice(1);
    expect(layers[0].textContent).toBe(
      "conv_0 (Conv2D) Wanderer (50% of epochs)lowBalanced; nothing to change.",
    );
    expect(layers[1].textContent).toContain("This layer is not learning.");
    expect(screen.getByTestId("monitoring-notes").textContent).toContain("not classed");
    const intro = /2 layers with trainable weights, classed at 2 of 2 epochs/;
    expect(screen.getByText(intro)).toBeTruthy();
  });

  it("says why a trial has no monitoring when the server has none (404)", async () => {
    const detail = "trial 3 of job x has no observer.json (its epoch records)";
    serve(() => Response.json({ detail }, { status: 404 }));
    render(<MonitoringPanel jobId={JOB} trial={3} />);
    expect(await screen.findByText(`No layer monitoring for this trial: ${detail}`)).toBeTruthy();
    expect(screen.queryByTestId("class-strip")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows an unreadable file as an error with a retry", async () => {
    let broken = true;
    const detail = "run/trials/trial_3/observer.json is not valid JSON (Expecting value)";
    serve(() => (broken ? Response.json({ detail }, { status: 409 }) : Response.json(SUMMARY)));
    render(<MonitoringPanel jobId={JOB} trial={3} />);
    expect((await screen.findByRole("alert")).textContent).toContain(detail);
    broken = false;
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(await screen.findByTestId("class-strip")).toBeTruthy();
  });

  it("says so when no layer was monitored", async () => {
    serve(() =>
      Response.json({
        ...SUMMARY,
        layers: [],
        anomalies: [],
        monitored_epochs: [],
        notes: ["no epoch records"],
      }),
    );
    render(<MonitoringPanel jobId={JOB} trial={3} />);
    expect(await screen.findByText("No layer was monitored.")).toBeTruthy();
    expect(screen.queryByTestId("class-strip")).toBeNull();
    expect(screen.getByText(/No anomaly/)).toBeTruthy();
    expect(screen.getByTestId("monitoring-notes").textContent).toBe("no epoch records");
  });

  it("opens the report, fetched with the token and locked down, in the clicked tab", async () => {
    serve(() => Response.json(SUMMARY));
    const tab: FakeTab = { opener: window, location: { href: "" }, close: vi.fn() };
    const open = openReturning(tab);
    render(<MonitoringPanel jobId={JOB} trial={3} />);
    fireEvent.click(await screen.findByTestId("monitoring-report-button"));
    expect(open).toHaveBeenCalledWith("", "_blank");
    expect(tab.opener).toBeNull();
    await waitFor(() => expect(tab.location.href).toBe("blob:report-1"));
    const request = api.requests.find((r) => pathOf(r) === REPORT_PATH);
    expect(request?.headers.get("Authorization")).toBe("Bearer t0ken");
    const page = await blobs[0].text();
    expect(blobs[0].type).toBe("text/html");
    expect(page).toContain('<head><meta http-equiv="Content-Security-Policy"');
    expect(page).toContain("data:image/png;base64,AA");
    expect(tab.close).not.toHaveBeenCalled();
  });

  it("closes the tab and says why when the report cannot be made", async () => {
    const detail = "run/trials/trial_3/observer.json is not healthopt epoch records";
    serve(
      () => Response.json(SUMMARY),
      () => Response.json({ detail }, { status: 409 }),
    );
    const tab: FakeTab = { opener: window, location: { href: "" }, close: vi.fn() };
    openReturning(tab);
    render(<MonitoringPanel jobId={JOB} trial={3} />);
    fireEvent.click(await screen.findByTestId("monitoring-report-button"));
    expect((await screen.findByRole("alert")).textContent).toBe(detail);
    expect(tab.close).toHaveBeenCalled();
    expect(tab.location.href).toBe("");
  });
});
