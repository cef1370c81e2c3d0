// Server-side checks with byok-keyring: the same rules as in the browser.
// Imported by the Server Component (app/page.tsx) and the route handler
// (app/api/check-key/route.ts).
import init, { Keyring, mask, providers, validate, type ProviderId } from "byok-keyring";
import { PLATFORM_ONLY } from "./features";

export interface KeyCheck {
  valid: boolean;
  /** validate()'s outcome: "ok", "bad_prefix", "too_short", … */
  code: string;
  /** For display and logs: never the whole key. */
  masked: string;
  /** Whether a call to `provider` with this key runs on the user's key. */
  byok: boolean;
  /** Whether a call for `feature` with this key still costs the user credits. */
  deduct: boolean;
}

const isProviderId = (id: string): id is ProviderId => providers().some((p) => p.id === id);

export async function checkKey(provider: string, key: string, feature?: string): Promise<KeyCheck> {
  await init(); // loads the WebAssembly module once per server process
  const v = validate(provider, key);
  const masked = mask(key);
  if (!v.valid || !isProviderId(provider)) return { valid: false, code: v.code, masked, byok: false, deduct: true };
  // A keyring that lives in memory for this request only: it applies the
  // same credit rule as the browser's keyring.
  const kr = new Keyring({ storage: "memory", platformOnly: PLATFORM_ONLY, iterations: 100_000 });
  try {
    await kr.create(crypto.randomUUID());
    kr.set(provider, key);
    return { valid: true, code: v.code, masked, byok: kr.isByok(provider), deduct: kr.shouldDeductCredits(provider, feature) };
  } finally {
    kr.free();
  }
}
