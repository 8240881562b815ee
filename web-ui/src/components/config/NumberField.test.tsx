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
    expect(input.inputMode).toBe("numeric");

    fireEvent.change(input, { target: { value: "7" } });
    expect(onChange).toHaveBeenCalledWith("7");
  });

  it("takes decimals when its step is a fraction", () => {
    render(
      <NumberField
        label="Margin"
        testId="m"
        value="1"
        min={0}
        max={100}
        step={0.1}
        onChange={vi.fn()}
      />,
    );
    const input = screen.getByTestId("m") as HTMLInputElement;
    expect([input.step, input.inputMode]).toEqual(["0.1", "decimal"]);
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
