/** The API bearer token, kept in the browser only (the server may run without one). */

const TOKEN_KEY = "healthopt.token";

export function getToken(): string | null {
  if (typeof window === "undefined") return null;
  return window.localStorage.getItem(TOKEN_KEY) || null;
}

/** Stores the token; an empty or null token removes it. */
export function setToken(token: string | null): void {
  const trimmed = token?.trim();
  if (trimmed) window.localStorage.setItem(TOKEN_KEY, trimmed);
  else window.localStorage.removeItem(TOKEN_KEY);
}
