import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { DatasetField } from "./DatasetField";

describe("DatasetField", () => {
  it("offers the server's datasets under a Dataset label and reports the choice", () => {
    const onChange = vi.fn();
    render(
      <DatasetField
        datasets={["digits", "mnist"]}
        value="digits"
        testId="ds"
        onChange={onChange}
      />,
    );
    const select = screen.getByLabelText("Dataset") as HTMLSelectElement;
    expect(select).toBe(screen.getByTestId("ds"));
    expect([...select.options].map((option) => option.value)).toEqual(["digits", "mnist"]);
    expect(select.value).toBe("digits");

    fireEvent.change(select, { target: { value: "mnist" } });
    expect(onChange).toHaveBeenCalledWith("mnist");
  });
});
