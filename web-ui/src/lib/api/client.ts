/**
 * The browser's way to the healthopt API: where it is, a typed client with the bearer token,
 * WebSocket URLs, authenticated downloads and readable error messages.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import { getToken } from "@/lib/token";

import type { paths } from "./schema";

export type ApiClient = Client<paths>;

/** A response the API refused; `message` is already fit to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    const said = detailMessage(detail) ?? `the API answered ${status}`;
    // A 401 means the token is missing or stale; say where to set it.
    super(status === 401 ? `${said}: set it under “API token” at the top right` : said);
    this.name = "ApiError";
  }
}

let baseUrl: Promise<string> | null = null;
let client: Promise<ApiClient> | null = null;

/** The API's base URL: the server's HEALTHOPT_API_URL, else port 8000 on this page's host. */
export function apiBaseUrl(): Promise<string> {
  baseUrl ??= loadBaseUrl();
  return baseUrl;
}

async function loadBaseUrl(): Promise<string> {
  const fallback = `${window.location.protocol}//${window.location.hostname}:8000`;
  try {
    // Read at run time, so one build serves any deployment.
    const response = await fetch("/runtime-config", { cache: "no-store" });
    if (!response.ok) return fallback;
    const config = (await response.json()) as { apiUrl: string | null };
    return (config.apiUrl || fallback).replace(/\/+$/, "");
  } catch {
    return fallback;
  }
}

const bearerToken: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

/** The typed client (openapi-fetch) for the API's paths. */
export function api(): Promise<ApiClient> {
  client ??= apiBaseUrl().then((url) => {
    const created = createClient<paths>({ baseUrl: url });
    created.use(bearerToken);
    return created;
  });
  return client;
}

type ApiResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * The data of one call, or an ApiError: `apiData((c) => c.GET("/health"))`. Lets loaders
 * written for useApi simply throw.
 */
export async function apiData<T>(send: (client: ApiClient) => Promise<ApiResult<T>>): Promise<T> {
  const typed = await api();
  let result: ApiResult<T>;
  try {
    result = await send(typed);
  } catch (error) {
    throw await unreachable(error);
  }
  if (!result.response.ok) throw new ApiError(result.response.status, result.error);
  return result.data as T;
}

async function unreachable(error: unknown): Promise<Error> {
  // fetch rejects with a TypeError when the server is down or CORS refuses the page.
  if (error instanceof TypeError) {
    return new Error(`cannot reach the healthopt API at ${await apiBaseUrl()} (${error.message})`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The full URL of an API path. */
export async function absoluteUrl(path: string): Promise<string> {
  return `${await apiBaseUrl()}${path}`;
}

/** The ws:// or wss:// URL of an API path; browsers cannot set headers, so the token rides along. */
export async function wsUrl(path: string): Promise<string> {
  const url = new URL(await absoluteUrl(path));
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const token = getToken();
  if (token) url.searchParams.set("token", token);
  return url.toString();
}

/** Fetches an API path with the token and saves it as a file, named as the server suggests. */
export async function downloadFile(path: string, fallbackName: string): Promise<void> {
  const { data, response } = await fetchBlob(path);
  const name = attachmentName(response.headers.get("Content-Disposition")) ?? fallbackName;
  const objectUrl = URL.createObjectURL(data);
  const link = document.createElement("a");
  link.href = objectUrl;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked on the next tick: some browsers start the download asynchronously.
  setTimeout(() => URL.revokeObjectURL(objectUrl), 0);
}

/** GET an API path as a Blob with the token (images and files cannot use the JSON client). */
export async function fetchBlob(path: string): Promise<{ data: Blob; response: Response }> {
  const headers = new Headers();
  const token = getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  let response: Response;
  try {
    response = await fetch(await absoluteUrl(path), { headers });
  } catch (error) {
    throw await unreachable(error);
  }
  if (!response.ok) {
    const text = await response.text();
    throw new ApiError(response.status, parseJson(text) ?? text);
  }
  return { data: await response.blob(), response };
}

/** The filename of a Content-Disposition header, if it names one. */
export function attachmentName(header: string | null): string | null {
  if (!header) return null;
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (encoded) return decodeURIComponent(encoded[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : null;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A sentence for the user from any error: FastAPI's `detail`, or each 422 item's place and message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return detailMessage(error) ?? "something went wrong";
}

function detailMessage(body: unknown): string | null {
  if (typeof body === "string") return body || null;
  if (!body || typeof body !== "object" || !("detail" in body)) return null;
  const { detail } = body as { detail: unknown };
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) return detail.map(validationItem).join("; ");
  return null;
}

function validationItem(item: unknown): string {
  if (!item || typeof item !== "object") return String(item);
  const { loc, msg } = item as { loc?: unknown[]; msg?: string };
  // "body" is where every field of a JSON request lives; it says nothing to the user.
  const place = (loc ?? []).filter((part) => part !== "body").join(".");
  return place ? `${place}: ${msg ?? "invalid"}` : (msg ?? "invalid");
}
