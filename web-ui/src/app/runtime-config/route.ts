/** Where the browser finds the API, read from the environment at request time (no rebuild). */
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ apiUrl: process.env.HEALTHOPT_API_URL ?? null });
}
