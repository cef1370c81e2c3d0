// isByok and shouldDeductCredits answer from a JS-side snapshot that the Rust
// core keeps up to date (src/wasm/decisions.rs, js/index.js). The snapshot is
// never stale: after every kind of change, including an expiry and an
// auto-lock that happen while the page makes no call at all, and another
// tab's change, its answers equal the core's own (read past the snapshot).
// Headless Chromium, the package entry pkg/index.js.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveRepo, launch } from "./harness.mjs";

let server, browser;
before(async () => {
  server = await serveRepo();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.close();
});

const PASS = "correct horse battery";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const pick = (n, seed) => Array.from({ length: n }, (_, i) => ALNUM[(seed * 7919 + i * 104729 + i * i * 31) % 62]).join("");
const KEYS = { groq: "gsk_" + pick(52, 1), xai: "xai-" + pick(80, 2), perplexity: "pplx-" + pick(48, 3) };

async function openTab(context, options) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e && e.stack || e)));
  await page.goto(`${server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
  await page.evaluate(([options, keys]) => {
    window.keys = keys;
    window.kr = new window.byok.Keyring(options);
    const core = window.byok.Keyring[Symbol.for("byok-keyring.coreDecision")];
    // Every provider and feature shape the decision can see, fast path and core.
    window.compare = () => {
      const rows = [];
      for (const p of ["groq", "xai", "perplexity", "openai", "nope", ""]) {
        for (const f of [undefined, null, "chat", "deep-analysis", "deep", ""]) {
          const snap = [window.kr.isByok(p), window.kr.shouldDeductCredits(p, f)];
          const real = [core.isByok(window.kr, p), core.shouldDeductCredits(window.kr, p, f)];
          rows.push({ p, f: String(f), snap, real });
        }
      }
      return rows;
    };
  }, [options, KEYS]);
  page.errors = errors;
  return page;
}

/** The snapshot's answers equal the core's; returns isByok per provider. */
async function agree(page, what) {
  const rows = await page.evaluate(() => window.compare());
  for (const r of rows) {
    assert.deepEqual(r.snap, r.real, `after ${what}: ${r.p} / ${r.f}: snapshot ${r.snap} but core ${r.real}`);
  }
  const byok = {};
  for (const r of rows) if (r.f === "undefined") byok[r.p] = r.snap[0];
  return byok;
}

const OPTIONS = { storage: "local", namespace: "decisions", iterations: 100000, platformOnly: ["deep-analysis"] };

test("the snapshot follows set, remove, setEnabled, lock, unlock, passphrase change and reset", async () => {
  const context = await browser.newContext();
  const page = await openTab(context, OPTIONS);
  assert.deepEqual(await agree(page, "construction"), { groq: false, xai: false, perplexity: false, openai: false, nope: false, "": false });
  await page.evaluate((p) => window.kr.create(p), PASS);
  await agree(page, "create");
  await page.evaluate(() => { window.kr.set("groq", window.keys.groq); window.kr.set("xai", window.keys.xai); });
  assert.equal((await agree(page, "set")).groq, true);
  await page.evaluate(() => window.kr.setEnabled("groq", false));
  assert.equal((await agree(page, "disable")).groq, false);
  await page.evaluate(() => window.kr.setEnabled("groq", true));
  assert.equal((await agree(page, "enable")).groq, true);
  await page.evaluate(() => window.kr.remove("xai"));
  assert.equal((await agree(page, "remove")).xai, false);
  await page.evaluate(() => window.kr.lock());
  assert.equal((await agree(page, "lock")).groq, false);
  await page.evaluate((p) => window.kr.unlock(p), PASS);
  assert.equal((await agree(page, "unlock")).groq, true);
  await page.evaluate((p) => window.kr.changePassphrase(p, p + " again"), PASS);
  assert.equal((await agree(page, "passphrase change")).groq, true);
  await page.evaluate(() => window.kr.reset());
  assert.equal((await agree(page, "reset")).groq, false);
  await page.evaluate(() => window.kr.free());
  const afterFree = await page.evaluate(() => window.kr.isByok("groq"));
  assert.equal(afterFree, false, "a freed keyring answers false");
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("an expiry and an auto-lock that pass while the page is idle are seen with no call in between", async () => {
  const context = await browser.newContext();
  const page = await openTab(context, { ...OPTIONS, storage: "memory", autoLockMs: 1500 });
  const expiresAt = await page.evaluate(async ([p]) => {
    await window.kr.create(p);
    const info = window.kr.set("groq", window.keys.groq, { expiresInMs: 400 });
    window.kr.set("xai", window.keys.xai);
    return info.expiresAt;
  }, [PASS]);
  const start = await agree(page, "set with expiry");
  assert.equal(start.groq, true);
  assert.equal(start.xai, true);
  // Nothing calls the keyring until the expiry has passed.
  await page.waitForFunction((t) => Date.now() > t, expiresAt);
  const expired = await agree(page, "expiry");
  assert.equal(expired.groq, false);
  assert.equal(expired.xai, true);
  // And nothing until the auto-lock moment has passed (the core's own
  // timer may or may not have fired yet: the answers must agree either way).
  const lockAt = expiresAt - 400 + 1500; // the last use was the set
  await page.waitForFunction((t) => Date.now() > t, lockAt, { timeout: 10_000 });
  const locked = await agree(page, "auto-lock");
  assert.equal(locked.xai, false);
  assert.equal(await page.evaluate(() => window.kr.state), "locked");
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("another tab's change reaches the snapshot with no call in this tab", async () => {
  const context = await browser.newContext();
  const a = await openTab(context, OPTIONS);
  const b = await openTab(context, OPTIONS);
  await a.evaluate((p) => window.kr.create(p), PASS);
  await b.evaluate((p) => window.kr.unlock(p), PASS);
  await a.evaluate(() => window.kr.set("perplexity", window.keys.perplexity));
  await b.waitForFunction(() => window.kr.list().some((k) => k.provider === "perplexity"));
  assert.equal((await agree(b, "another tab's set")).perplexity, true);
  await a.evaluate(() => window.kr.setEnabled("perplexity", false));
  await b.waitForFunction(() => window.kr.list().some((k) => k.provider === "perplexity" && !k.enabled));
  assert.equal((await agree(b, "another tab's disable")).perplexity, false);
  await a.evaluate(() => window.kr.lock({ everywhere: true }));
  await b.waitForFunction(() => window.kr.state === "locked");
  await agree(b, "lock everywhere");
  assert.deepEqual([...a.errors, ...b.errors], []);
  await context.close();
});

test("arguments the snapshot does not handle get the core's errors", async () => {
  const context = await browser.newContext();
  const page = await openTab(context, OPTIONS);
  const r = await page.evaluate(() => {
    const codes = [];
    for (const f of [() => window.kr.isByok(42), () => window.kr.shouldDeductCredits({}), () => window.kr.isByok("x".repeat(70000))]) {
      try { f(); codes.push("returned"); } catch (e) { codes.push(`${e.name}:${e.code}`); }
    }
    return codes;
  });
  assert.deepEqual(r, ["KeyringError:invalid_argument", "KeyringError:invalid_argument", "KeyringError:invalid_argument"]);
  await context.close();
});
