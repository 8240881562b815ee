import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { NumberField } from "./NumberField";

describe("NumberField", () => {
  it("is a labelled whole-number input that reports the text as typed", () => {
    const onChange = vi.fn();
    render(
      <NumberField label="Seed" testId="seed" value="0" min={0} max={9} onChange={onChange} />,
    );
    const input = screen.getByLabelText("Seed") as HTMLInputElement;
    expect(input).toBe(screen.getByTestId("seed"));
    expect([input.type, input.step, input.min, input.max]).toEqual(["number", "1", "0", "9"]);

    fireEvent.change(input, { target: { value: "7" } });
    expect(onChange).toHaveBeenCalledWith("7");
  });

  it("can be disabled", () => {
    render(
      <NumberField
        label="Workers"
        testId="w"
        value="2"
        min={1}
        max={8}
        disabled
        onChange={vi.fn()}
      />,
    );
    expect((screen.getByTestId("w") as HTMLInputElement).disabled).toBe(true);
  });
});
