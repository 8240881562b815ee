import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { CancelButton } from "./CancelButton";

type Status = { state: string };

function button(): HTMLButtonElement {
  return screen.getByTestId("cancel-thing") as HTMLButtonElement;
}

/** A promise and the functions that settle it, so a test can look while it is pending. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function renderButton(cancel: () => Promise<Status>, onCancelled = vi.fn()) {
  render(
    <CancelButton
      label="Cancel thing"
      testId="cancel-thing"
      cancel={cancel}
      onCancelled={onCancelled}
    />,
  );
  return onCancelled;
}

describe("CancelButton", () => {
  it("asks once, says it is stopping, and stays disabled once the server agreed", async () => {
    const answer = deferred<Status>();
    const cancel = vi.fn(() => answer.promise);
    const onCancelled = renderButton(cancel);
    expect(button().textContent).toBe("Cancel thing");

    await userEvent.click(button());
    expect(cancel).toHaveBeenCalledOnce();
    expect(button().textContent).toBe("Stopping…");
    expect(button().disabled).toBe(true);

    answer.resolve({ state: "cancelled" });
    await waitFor(() => expect(onCancelled).toHaveBeenCalledWith({ state: "cancelled" }));
    expect(button().textContent).toBe("Stopping…");
    expect(button().disabled).toBe(true);
  });

  it("shows why a refused request failed and lets the user try again", async () => {
    const cancel = vi
      .fn<() => Promise<Status>>()
      .mockRejectedValueOnce(new Error("job already finished"))
      .mockResolvedValueOnce({ state: "cancelled" });
    const onCancelled = renderButton(cancel);

    await userEvent.click(button());
    expect((await screen.findByRole("alert")).textContent).toBe("job already finished");
    expect(button().disabled).toBe(false);
    expect(button().textContent).toBe("Cancel thing");
    expect(onCancelled).not.toHaveBeenCalled();

    await userEvent.click(button());
    await waitFor(() => expect(onCancelled).toHaveBeenCalledOnce());
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
