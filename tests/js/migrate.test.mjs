// Migration from plaintext localStorage, and moving the encrypted vault to
// another browser (a new browser context), in headless Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

const KEY = "sk-proj-" + "Ab3_-".repeat(15) + "T3BlbkFJ" + "zZ9y8".repeat(15);

async function openPage(context) {
  const page = await context.newPage();
  await page.goto(`${env.server.url}/tests/js/migrate-page.html`);
  await page.waitForFunction(() => window.ready);
  return page;
}

test("importPlaintext moves a plaintext key into the vault and removes it only after the write", async () => {
  const context = await env.browser.newContext();
  const page = await openPage(context);
  const r = await page.evaluate(async (key) => {
    localStorage.setItem("openai_api_key", key);
    localStorage.setItem("bad_key", "sk-ant-api03-" + "Q".repeat(93) + "AA");
    const kr = new Keyring({ namespace: "migrate", storage: "local", iterations: 100000 });
    let lockedCode;
    try { kr.importPlaintext("openai", "openai_api_key"); } catch (e) { lockedCode = e.code; }
    const plainAfterLocked = localStorage.getItem("openai_api_key");
    await kr.create("correct horse battery");
    const info = kr.importPlaintext("openai", "openai_api_key");
    let badCode;
    try { kr.importPlaintext("openai", "bad_key"); } catch (e) { badCode = e.code; }
    const dump = JSON.stringify({ ...localStorage });
    return {
      lockedCode, plainAfterLocked, masked: info.masked, badCode,
      plainGone: localStorage.getItem("openai_api_key") === null,
      badKept: localStorage.getItem("bad_key") !== null,
      get: kr.get("openai") === key,
      leaked: dump.includes(key.slice(20, 29)),
    };
  }, KEY);
  assert.equal(r.lockedCode, "no_vault");
  assert.equal(r.plainAfterLocked, KEY, "plaintext kept when the import failed");
  assert.match(r.masked, /^sk-p•{8}/);
  assert.equal(r.badCode, "invalid_key");
  assert.equal(r.plainGone, true);
  assert.equal(r.badKept, true);
  assert.equal(r.get, true);
  assert.equal(r.leaked, false);
  await context.close();
});

test("exportVault / Keyring.importVault move the still-encrypted vault to another browser", async () => {
  const a = await env.browser.newContext();
  const pageA = await openPage(a);
  const exported = await pageA.evaluate(async (key) => {
    const kr = new Keyring({ namespace: "user-7", storage: "local", iterations: 100000 });
    await kr.create("correct horse battery");
    kr.set("openai", key);
    return kr.exportVault();
  }, KEY);
  assert.ok(!exported.includes(KEY.slice(30, 39)), "export holds plaintext");
  assert.ok(!exported.includes("correct horse"), "export holds the passphrase");
  await a.close();

  const b = await env.browser.newContext(); // another browser profile: empty storage
  const pageB = await openPage(b);
  const r = await pageB.evaluate(async ([exported, key]) => {
    const kr = Keyring.importVault(exported, { storage: "local", iterations: 100000 });
    const state = kr.state, namespace = kr.namespace, listed = kr.list().length;
    await kr.unlock("correct horse battery");
    let again, other, garbage;
    try { Keyring.importVault(exported, { storage: "local" }); } catch (e) { again = e.code; }
    try { Keyring.importVault(exported, { namespace: "someone-else", storage: "local" }); } catch (e) { other = e.code; }
    try { Keyring.importVault("{}", { storage: "local" }); } catch (e) { garbage = e.code; }
    return { state, namespace, listed, get: kr.get("openai") === key, again, other, garbage };
  }, [exported, KEY]);
  assert.deepEqual(r, { state: "locked", namespace: "user-7", listed: 1, get: true, again: "already_exists", other: "invalid_argument", garbage: "invalid_argument" });
  await b.close();
});
