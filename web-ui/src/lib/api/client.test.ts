import { describe, expect, it } from "vitest";

import { ApiError, attachmentName, errorMessage } from "./client";

describe("errorMessage", () => {
  it("reads FastAPI's detail string", () => {
    expect(
      errorMessage(new ApiError(409, { detail: "job abc has already ended (completed)" })),
    ).toBe("job abc has already ended (completed)");
  });

  it("lists each validation error with its field, without the 'body' prefix", () => {
    const detail = [
      {
        loc: ["body", "trials"],
        msg: "Input should be greater than or equal to 1",
        type: "greater_than_equal",
      },
      { loc: ["body"], msg: "Value error, the weights must sum to 1", type: "value_error" },
    ];
    expect(errorMessage(new ApiError(422, { detail }))).toBe(
      "trials: Input should be greater than or equal to 1; Value error, the weights must sum to 1",
    );
  });

  it("says where to set the token when the server wants one", () => {
    expect(errorMessage(new ApiError(401, { detail: "missing or wrong bearer token" }))).toBe(
      "missing or wrong bearer token: set it under “API token” at the top right",
    );
  });

  it("names the status when the body says nothing", () => {
    expect(errorMessage(new ApiError(502, ""))).toBe("the API answered 502");
  });
});

describe("attachmentName", () => {
  it("takes the filename from Content-Disposition, preferring the UTF-8 form", () => {
    expect(attachmentName('attachment; filename="run_best_model.json"')).toBe(
      "run_best_model.json",
    );
    expect(
      attachmentName("attachment; filename*=UTF-8''caf%C3%A9.zip; filename=\"cafe.zip\""),
    ).toBe("café.zip");
    expect(attachmentName(null)).toBeNull();
  });
});
