// The JS API works from a plain <script type="module"> in headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

test("the quick start runs from a plain module script", async () => {
  const page = await env.browser.newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  await page.goto(`${env.server.url}/tests/js/api-page.html`);
  const r = await page.waitForFunction(() => window.__result, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(r.error, undefined);
  assert.equal(r.providers.length, 21);
  assert.equal(r.detect, "anthropic");
  assert.equal(r.wrongBox.code, "wrong_provider");
  assert.equal(r.wrongBox.message, "This looks like an Anthropic key, not an OpenAI key.");
  assert.equal(r.trimmed, true);
  assert.match(r.masked, /^sk-p•{8}uvwx$/);
  assert.equal(r.stateBefore, "empty");
  assert.equal(r.isByok, true);
  assert.equal(r.deductChat, false);
  assert.equal(r.deductDeep, true);
  assert.equal(r.get, true);
  assert.equal(r.list.length, 1);
  assert.deepEqual(Object.keys(r.list[0]).sort(), ["createdAt", "damaged", "enabled", "expired", "masked", "model", "name", "provider", "tampered", "updatedAt"]);
  assert.equal(r.stateLocked, "locked");
  assert.equal(r.sourceLocked, "user");
  assert.deepEqual(r.lockedError.name, "KeyringError");
  assert.equal(r.lockedError.code, "locked");
  assert.equal(r.wrongPass, "wrong_passphrase");
  assert.equal(r.isByokAgain, true);
  assert.deepEqual(r.events, ["created", "set", "locked", "unlocked"]);
  assert.ok(r.stored.startsWith('{"v":2,'));
  assert.ok(!r.stored.includes("A1b2C3d4_"), "plaintext key in storage");
  assert.equal(r.kdfBackend, "webcrypto");
  assert.ok(!consoleLines.some((l) => l.includes("A1b2C3d4_")), "key in console output");
  await page.close();
});

test("importing the package fetches no .wasm: init() does, when the app calls it", async () => {
  const page = await env.browser.newPage();
  const wasm = [];
  page.on("request", (r) => { if (new URL(r.url()).pathname.endsWith(".wasm")) wasm.push(new URL(r.url()).pathname); });
  // An empty document of the server's origin (it does not load the package).
  await page.route("**/empty.html", (r) => r.fulfill({ contentType: "text/html", body: "<!doctype html>" }));
  await page.goto(`${env.server.url}/empty.html`);
  const before = await page.evaluate(async () => {
    window.pkg = await import("/pkg/index.js");
    try {
      window.pkg.validate("openai", "sk-x");
      return "no error";
    } catch (e) {
      return e.code;
    }
  });
  assert.equal(before, "not_initialized");
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(wasm, [], "the .wasm was fetched before init()");
  await page.evaluate(() => window.pkg.default());
  assert.deepEqual(wasm, ["/pkg/byok_keyring_bg.wasm"]);
  assert.equal(await page.evaluate(() => window.pkg.validate("openai", "sk-x").valid), false);
  await page.close();
});

test("generated TypeScript declarations have no any for options or results", async () => {
  const { readFile } = await import("node:fs/promises");
  const dts = await readFile(new URL("../../pkg/byok_keyring.d.ts", import.meta.url), "utf8");
  for (const decl of [
    "validate(provider: string, key: string): Validation",
    "mask(key: string): string",
    "detectProvider(key: string): ProviderId | undefined",
    "providers(): ProviderInfo[]",
    "constructor(options?: KeyringOptions | null)",
    "set(provider: ProviderId, apiKey: string, options?: SetOptions | null",
    "shouldDeductCredits(provider: string, feature?: string | null): boolean",
    "list(): KeyInfo[]",
    "onChange(callback: (event: ChangeEvent) => void): () => void",
    "unlock(passphrase: string): Promise<void>",
    "readonly state: KeyringState",
    "readonly kdfBackend: \"webcrypto\" | \"wasm\"",
  ]) {
    assert.ok(dts.includes(decl), `missing in .d.ts: ${decl}`);
  }
  const publicLines = dts.split("\n").filter((l) => !l.includes("InitInput") && !l.includes("__wbg") && !l.includes("readonly ") && !l.includes("initSync") && !l.includes("module_or_path"));
  const anys = publicLines.filter((l) => /\bany\b/.test(l));
  assert.deepEqual(anys, [], "`any` in the public declarations");
});
