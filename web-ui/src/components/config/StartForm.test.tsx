import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import type { Built } from "@/lib/formValues";

import { StartForm } from "./StartForm";

const router = vi.hoisted(() => ({ push: vi.fn() }));
vi.mock("next/navigation", () => ({ useRouter: () => router }));

const TEST_IDS = { form: "form", error: "form-error", start: "start" };

function renderForm({
  build = () => ({ request: { size: 3 } }),
  send = vi.fn(async () => ({ id: "thing 1" })),
  startClassName,
}: {
  build?: () => Built<{ size: number }>;
  send?: (request: { size: number }) => Promise<{ id: string }>;
  startClassName?: string;
} = {}) {
  render(
    <StartForm
      title="New thing"
      testIds={TEST_IDS}
      startLabel="Start thing"
      startClassName={startClassName}
      build={build}
      send={send}
      pageOf={(created) => `/thing?id=${encodeURIComponent(created.id)}`}
    >
      <input aria-label="size" />
    </StartForm>,
  );
  return send;
}

function startButton(): HTMLButtonElement {
  return screen.getByTestId("start") as HTMLButtonElement;
}

describe("StartForm", () => {
  beforeEach(() => router.push.mockReset());

  it("shows the title, the fields, and the start button", () => {
    renderForm({ startClassName: "wide" });
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("New thing");
    expect(screen.getByLabelText("size")).toBeTruthy();
    expect(startButton().textContent).toBe("Start thing");
    expect(startButton().className).toBe("button button-primary wide");
    expect(screen.queryByTestId("form-error")).toBeNull();
  });

  it("shows what the form itself refuses and sends nothing", async () => {
    const send = renderForm({ build: () => ({ error: "Seed must be a whole number" }) });
    await userEvent.click(startButton());
    expect(screen.getByTestId("form-error").textContent).toBe("Seed must be a whole number");
    expect(send).not.toHaveBeenCalled();
    expect(router.push).not.toHaveBeenCalled();
  });

  it("says it is starting while the request is in flight, then opens the new page", async () => {
    let answer!: (created: { id: string }) => void;
    const send = renderForm({
      send: vi.fn(() => new Promise<{ id: string }>((resolve) => (answer = resolve))),
    });
    await userEvent.click(startButton());
    expect(send).toHaveBeenCalledWith({ size: 3 });
    expect(startButton().textContent).toBe("Starting…");
    expect(startButton().disabled).toBe(true);

    answer({ id: "thing 1" });
    await waitFor(() => expect(router.push).toHaveBeenCalledWith("/thing?id=thing%201"));
  });

  it("shows the server's refusal on the form and lets the user try again", async () => {
    renderForm({ send: vi.fn().mockRejectedValue(new Error("workers must be at most 2")) });
    await userEvent.click(startButton());
    expect((await screen.findByTestId("form-error")).textContent).toBe(
      "workers must be at most 2",
    );
    expect(screen.getByRole("alert")).toBe(screen.getByTestId("form-error"));
    expect(startButton().disabled).toBe(false);
    expect(startButton().textContent).toBe("Start thing");
    expect(router.push).not.toHaveBeenCalled();
  });
});
