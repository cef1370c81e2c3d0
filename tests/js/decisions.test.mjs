// isByok and shouldDeductCredits answer from a JS-side snapshot that the Rust
// core keeps up to date (src/wasm/decisions.rs, js/index.js). The snapshot is
// never stale: after every kind of change, including an expiry and an
// auto-lock that happen while the page makes no call at all, and another
// tab's change, its answers equal the core's own (read past the snapshot).
// Headless Chromium, the package entry pkg/index.js.
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

const PASS = "correct horse battery";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const pick = (n, seed) => Array.from({ length: n }, (_, i) => ALNUM[(seed * 7919 + i * 104729 + i * i * 31) % 62]).join("");
const KEYS = { groq: "gsk_" + pick(52, 1), xai: "xai-" + pick(80, 2), perplexity: "pplx-" + pick(48, 3) };

async function openTab(context, options) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e && e.stack || e)));
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
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

/**
 * The snapshot's answers equal the core's; returns isByok per provider.
 * `rows`: answers already collected in the page (window.compare()), else
 * they are collected now.
 */
async function agree(page, what, rows) {
  rows ??= await page.evaluate(() => window.compare());
  for (const r of rows) {
    assert.deepEqual(r.snap, r.real, `after ${what}: ${r.p} / ${r.f}: snapshot ${r.snap} but core ${r.real}`);
  }
  const byok = {};
  for (const r of rows) if (r.f === "undefined") byok[r.p] = r.snap[0];
  return byok;
}

const OPTIONS = { storage: "local", namespace: "decisions", iterations: 100000, platformOnly: ["deep-analysis"] };

test("the snapshot follows set, remove, setEnabled, lock, unlock, passphrase change and reset", async () => {
  const context = await env.browser.newContext();
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
  const context = await env.browser.newContext();
  const page = await openTab(context, { ...OPTIONS, storage: "memory", autoLockMs: 1500 });
  // The first answers are collected in the same task as the set, so a slow
  // machine cannot let the 400 ms expiry pass before they are asked.
  const { expiresAt, lockAt, rows } = await page.evaluate(async ([p]) => {
    await window.kr.create(p);
    const info = window.kr.set("groq", window.keys.groq, { expiresInMs: 400 });
    window.kr.set("xai", window.keys.xai);
    const lastUse = Date.now(); // at or after the last use: the second set
    return { expiresAt: info.expiresAt, lockAt: lastUse + 1500, rows: window.compare() };
  }, [PASS]);
  const start = await agree(page, "set with expiry", rows);
  assert.equal(start.groq, true);
  assert.equal(start.xai, true);
  // Nothing calls the keyring until the moment has passed; the answers are
  // collected in the page as soon as it has (waiting for the moment itself).
  const answersAfter = (t) => page.evaluate(async (t) => {
    while (Date.now() <= t) await new Promise((r) => setTimeout(r, t - Date.now() + 1));
    return window.compare();
  }, t);
  const expired = await agree(page, "expiry", await answersAfter(expiresAt));
  assert.equal(expired.groq, false);
  assert.equal(expired.xai, true);
  // And nothing until the auto-lock moment has passed (the core's own
  // timer may or may not have fired yet: the answers must agree either way).
  const locked = await agree(page, "auto-lock", await answersAfter(lockAt));
  assert.equal(locked.xai, false);
  assert.equal(await page.evaluate(() => window.kr.state), "locked");
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("another tab's change reaches the snapshot with no call in this tab", async () => {
  const context = await env.browser.newContext();
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
  const context = await env.browser.newContext();
  const page = await openTab(context, OPTIONS);
  const r = await page.evaluate(async (p) => {
    const kr = window.kr;
    const codes = {};
    const attempt = (what, f) => {
      try { codes[what] = `returned ${f()}`; } catch (e) { codes[what] = `${e.name}:${e.code}`; }
    };
    const cases = () => {
      attempt("isByok(42)", () => kr.isByok(42));
      attempt("shouldDeductCredits({})", () => kr.shouldDeductCredits({}));
      attempt("isByok(70000 characters)", () => kr.isByok("x".repeat(70000)));
      attempt("shouldDeductCredits(70000 characters)", () => kr.shouldDeductCredits("x".repeat(70000)));
      // Not strings, though they have a length or turn into "groq".
      attempt('isByok(["groq"])', () => kr.isByok(["groq"]));
      attempt('isByok(new String("groq"))', () => kr.isByok(new String("groq")));
      attempt("isByok({ length: 4 })", () => kr.isByok({ length: 4 }));
      attempt('shouldDeductCredits(["groq"])', () => kr.shouldDeductCredits(["groq"]));
      // A feature the fast path does not handle, for a provider whose key
      // would be used (otherwise the answer is "deduct" before the feature
      // matters, from the core as well).
      attempt('shouldDeductCredits("groq", 42)', () => kr.shouldDeductCredits("groq", 42));
      attempt('shouldDeductCredits("groq", ["deep-analysis"])', () => kr.shouldDeductCredits("groq", ["deep-analysis"]));
      attempt('shouldDeductCredits("groq", new String("deep-analysis"))', () => kr.shouldDeductCredits("groq", new String("deep-analysis")));
      attempt('shouldDeductCredits("groq", 70000 characters)', () => kr.shouldDeductCredits("groq", "x".repeat(70000)));
    };
    await kr.create(p);
    kr.set("groq", window.keys.groq);
    cases();
    // Twice: the second time the snapshot is already cached.
    const first = { ...codes };
    cases();
    return { first, second: codes, byok: kr.isByok("groq") };
  }, PASS);
  assert.equal(r.byok, true);
  for (const codes of [r.first, r.second]) {
    const wrong = Object.entries(codes).filter(([, c]) => c !== "KeyringError:invalid_argument").map(([w, c]) => `${w}: ${c}`);
    assert.deepEqual(wrong, [], "not refused with invalid_argument");
    assert.equal(Object.keys(codes).length, 12);
  }
  await context.close();
});

test("two keyrings in one page answer each from its own decisions", async () => {
  const context = await env.browser.newContext();
  const page = await openTab(context, { ...OPTIONS, storage: "memory", namespace: "user-a" });
  const r = await page.evaluate(async (p) => {
    const a = window.kr;
    const b = new window.byok.Keyring({ storage: "memory", namespace: "user-b", iterations: 100000, platformOnly: ["chat"] });
    await a.create(p);
    await b.create(p);
    a.set("groq", window.keys.groq);
    b.set("xai", window.keys.xai);
    const ask = () => [a.isByok("groq"), a.isByok("xai"), b.isByok("groq"), b.isByok("xai"),
      a.shouldDeductCredits("groq", "chat"), b.shouldDeductCredits("xai", "chat"), b.shouldDeductCredits("xai", "deep-analysis")];
    const first = ask();
    b.lock();
    const bLocked = ask();
    return { first, bLocked };
  }, PASS);
  assert.deepEqual(r.first, [true, false, false, true, false, true, false]);
  assert.deepEqual(r.bLocked, [true, false, false, false, false, true, true]);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test("a freed keyring answers as a locked one: no user key, deduct", async () => {
  const context = await env.browser.newContext();
  const page = await openTab(context, { ...OPTIONS, storage: "memory" });
  const r = await page.evaluate(async (p) => {
    const kr = window.kr;
    await kr.create(p);
    kr.set("groq", window.keys.groq);
    const before = [kr.isByok("groq"), kr.shouldDeductCredits("groq"), kr.shouldDeductCredits("groq", "chat")];
    kr.free();
    const after = [kr.isByok("groq"), kr.shouldDeductCredits("groq"), kr.shouldDeductCredits("groq", "chat")];
    return { before, after };
  }, PASS);
  assert.deepEqual(r.before, [true, false, false]);
  assert.deepEqual(r.after, [false, true, true], "a freed keyring still answers from its keys");
  assert.deepEqual(page.errors, []);
  await context.close();
});

// js/index.js fetches the decision object at the first question, and free()
// fetches it first if no question came before: without that, a keyring freed
// before any question would reach the freed core ("null pointer passed to
// rust", not a KeyringError).
test("a keyring freed before its first question answers as a locked one", async () => {
  const context = await env.browser.newContext();
  const page = await openTab(context, { ...OPTIONS, storage: "memory" });
  const r = await page.evaluate(async (p) => {
    const kr = window.kr;
    await kr.create(p);
    kr.set("groq", window.keys.groq);
    kr.free();
    try { return [kr.isByok("groq"), kr.shouldDeductCredits("groq")]; } catch (e) { return `${e.name}: ${e.message}`; }
  }, PASS);
  await context.close();
  assert.deepEqual(r, [false, true]);
});
