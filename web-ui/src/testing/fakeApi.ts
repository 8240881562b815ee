/**
 * A stand-in for the healthopt API in component tests: `fetch` answered by a handler, so the
 * real client code (runtime config, openapi-fetch, bearer token, error messages) runs as in
 * the browser. The typed client keeps the first `fetch` it sees, so install once per file.
 */
import { beforeEach, vi } from "vitest";

export const API_URL = "http://api.test";

export type Handler = (request: Request) => Response | Promise<Response> | undefined;

export interface FakeApi {
  /** Answers the API's requests from now on (404 for what the handler leaves unanswered). */
  answer: (handler: Handler) => void;
  /** Every API request so far (not the dashboard's own /runtime-config). */
  requests: Request[];
}

/** Installs the fake for this test file; each test starts with no answers and no requests. */
export function installFakeApi(): FakeApi {
  const fake: FakeApi & { handler: Handler } = {
    handler: () => undefined,
    requests: [],
    answer(handler) {
      fake.handler = handler;
    },
  };
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      typeof input === "string" && input.startsWith("/")
        ? new Request(`http://dashboard.test${input}`, init)
        : new Request(input, init);
    const url = new URL(request.url);
    if (url.pathname === "/runtime-config") return Response.json({ apiUrl: API_URL });
    fake.requests.push(request);
    return (await fake.handler(request)) ?? Response.json({ detail: "not found" }, { status: 404 });
  });
  vi.stubGlobal("fetch", fetchMock);
  beforeEach(() => {
    fake.handler = () => undefined;
    fake.requests.length = 0;
  });
  return fake;
}

/** The path of a request, e.g. "/comparison-study/start". */
export function pathOf(request: Request): string {
  return new URL(request.url).pathname;
}
