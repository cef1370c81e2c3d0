// A Server Component: it runs on the server only, so it can read the
// platform's own key from the environment and show it masked.
import { checkKey } from "@/lib/check-key";
import { KeySettings } from "./key-settings";

// Read the environment on each request, not once at build time.
export const dynamic = "force-dynamic";

export default async function Page() {
  const platformKey = process.env.PLATFORM_OPENAI_KEY;
  const check = platformKey ? await checkKey("openai", platformKey) : undefined;
  return (
    <main>
      <h1>Bring your own key</h1>
      <p id="platform-key">
        Platform OpenAI key (checked on the server):{" "}
        {check ? `${check.masked} (${check.valid ? "valid" : check.code})` : "not configured"}
      </p>
      <KeySettings />
    </main>
  );
}
