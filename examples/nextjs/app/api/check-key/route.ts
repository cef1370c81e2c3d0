// POST /api/check-key { provider, key, feature? }: a key's format checked on
// the server and answered masked, for apps whose server calls the provider
// with the user's key. (Apps that call providers from the browser never send
// the key to their server.)
import { checkKey } from "@/lib/check-key";

export async function POST(request: Request): Promise<Response> {
  const body: unknown = await request.json().catch(() => null);
  const { provider, key, feature } = (body ?? {}) as Record<string, unknown>;
  if (typeof provider !== "string" || typeof key !== "string" || !(feature === undefined || typeof feature === "string")) {
    return Response.json({ error: "expected { provider, key, feature? } as strings" }, { status: 400 });
  }
  return Response.json(await checkKey(provider, key, feature));
}
