import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { installFakeApi, pathOf } from "@/testing/fakeApi";

import { type ServerSettings, ServerSettingsPanel } from "./ServerSettingsPanel";

const api = installFakeApi();

function ShowSettings({ health, defaults }: ServerSettings) {
  return (
    <p data-testid="form">
      {health.datasets.join(",")} {defaults.accuracy_weight}
    </p>
  );
}

function serveSettings() {
  api.answer((request) => {
    if (pathOf(request) === "/health") return Response.json({ datasets: ["digits", "mnist"] });
    if (pathOf(request) === "/default-scoring-weights")
      return Response.json({ accuracy_weight: 0.7 });
    return undefined;
  });
}

describe("ServerSettingsPanel", () => {
  it("says it is loading, then shows the form with the server's settings", async () => {
    serveSettings();
    render(<ServerSettingsPanel form={ShowSettings} />);
    expect(screen.getByRole("status").textContent).toBe("Loading the server's settings");
    expect((await screen.findByTestId("form")).textContent).toBe("digits,mnist 0.7");
    expect(api.requests.map(pathOf).sort()).toEqual(["/default-scoring-weights", "/health"]);
  });

  it("shows a failed load with a retry that asks again", async () => {
    api.answer(() => Response.json({ detail: "server is down" }, { status: 503 }));
    render(<ServerSettingsPanel form={ShowSettings} />);
    expect((await screen.findByRole("alert")).textContent).toContain("server is down");
    expect(screen.queryByTestId("form")).toBeNull();

    serveSettings();
    await userEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect((await screen.findByTestId("form")).textContent).toBe("digits,mnist 0.7");
  });
});
