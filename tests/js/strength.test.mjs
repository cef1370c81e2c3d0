// Passphrase strength from the package entry (pkg/index.js) in headless
// Chromium: passphraseStrength for a meter, and create / changePassphrase
// refusing a trivial passphrase with "weak_passphrase" before anything is
// written to storage.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

test("passphraseStrength scores from the package entry and create refuses a common password", async () => {
  const page = await env.browser.newPage();
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
  const r = await page.evaluate(async () => {
    const m = window.byok;
    const caught = async (f) => {
      try {
        await f();
        return null;
      } catch (e) {
        return { name: e.name, code: e.code, message: e.message };
      }
    };
    const out = {};
    out.common = m.passphraseStrength("password");
    out.strong = m.passphraseStrength("correct horse battery staple");
    out.named = m.passphraseStrength("alice2024!", "alice@example.com");
    out.unnamed = m.passphraseStrength("alice2024!");
    out.notString = await caught(() => m.passphraseStrength(42));
    out.badNamespace = await caught(() => m.passphraseStrength("x", 7));

    sessionStorage.clear();
    const kr = new m.Keyring({ namespace: "strength", iterations: 100000 });
    out.create = await caught(() => kr.create("password1234"));
    out.stateAfter = kr.state;
    out.storedAfter = sessionStorage.length;
    await kr.create("correct horse battery");
    const before = JSON.stringify(Object.entries(sessionStorage));
    out.change = await caught(() => kr.changePassphrase("correct horse battery", "qwertyuiop"));
    out.unchanged = JSON.stringify(Object.entries(sessionStorage)) === before;
    kr.lock();
    out.oldStillOpens = (await caught(() => kr.unlock("correct horse battery"))) === null;
    out.minSeven = await caught(() => new m.Keyring({ storage: "memory", minPassphraseLength: 7 }));
    kr.reset();
    return out;
  });
  assert.equal(r.common.score, 0);
  assert.equal(r.common.warning, "This passphrase is one of the most common passwords.");
  assert.ok(r.common.suggestions.length > 0);
  assert.deepEqual(Object.keys(r.common).sort(), ["score", "suggestions", "warning"]);
  assert.deepEqual(r.strong, { score: 4, suggestions: [] });
  assert.equal(r.named.score, 0);
  assert.equal(r.named.warning, "This passphrase contains the account name and little else.");
  assert.ok(r.unnamed.score > 0);
  for (const e of [r.notString, r.badNamespace]) {
    assert.equal(e?.name, "KeyringError");
    assert.equal(e?.code, "invalid_argument");
  }
  assert.equal(r.create?.code, "weak_passphrase");
  assert.equal(r.create?.message, "This passphrase is a common password with small changes (capitals, digits or symbols added, look-alike characters). Choose another.");
  assert.equal(r.stateAfter, "empty");
  assert.equal(r.storedAfter, 0, "create wrote to sessionStorage");
  assert.equal(r.change?.code, "weak_passphrase");
  assert.match(r.change?.message, /keyboard/);
  assert.equal(r.unchanged, true, "changePassphrase rewrote the vault");
  assert.equal(r.oldStillOpens, true);
  assert.equal(r.minSeven?.code, "invalid_argument");
  await page.close();
});

test("passphraseStrength is declared with its result type", async () => {
  const dts = await readFile(new URL("../../pkg/byok_keyring.d.ts", import.meta.url), "utf8");
  assert.ok(dts.includes("passphraseStrength(passphrase: string, namespace?: string | null): PassphraseStrength"));
  assert.ok(dts.includes("score: 0 | 1 | 2 | 3 | 4;"));
});
