// platformOnly names features the platform always pays for, matched
// exactly: a feature that is a prefix of a configured one ("" or "deep" when
// "deep-analysis" is configured), an extension of one ("deep-analysis-v2"),
// or a case or whitespace variant of one is an ordinary feature, run on the
// user's key. Headless Chromium, through the package entry (pkg/index.js),
// which answers shouldDeductCredits from its JS-side snapshot; recordUsage
// and usage() count by the same rule in the core, and the core's own answer
// (read past the snapshot) must agree.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveRepo, launch } from "./harness.mjs";

let server, browser, page;
const pageErrors = [];
before(async () => {
  server = await serveRepo();
  browser = await launch();
  page = await browser.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e && e.stack || e)));
  await page.goto(`${server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
});
after(async () => {
  await browser?.close();
  server?.close();
});

const PASS = "correct horse battery";
const GROQ = "gsk_" + "a1B2c3D4e5".repeat(5) + "F6g7";
const ONLY = ["deep-analysis", "fix-code"];

/** Features that are not configured, each with what it is to a configured one. */
const NOT_CONFIGURED = {
  "the empty string": "",
  "a one-letter prefix": "d",
  "a word prefix": "deep",
  "a prefix up to the hyphen": "deep-",
  "all but the last letter": "deep-analysi",
  "a prefix of the second": "fix",
  "a suffix": "analysis",
  "an extension": "deep-analysis2",
  "a hyphenated extension": "deep-analysis-v2",
  "an extension of the second": "fix-code!",
  "a trailing space": "deep-analysis ",
  "a leading space": " deep-analysis",
  "a trailing newline": "deep-analysis\n",
  "a trailing NUL": "deep-analysis\0",
  "title case": "Deep-Analysis",
  "upper case": "DEEP-ANALYSIS",
  "one capital": "deep-Analysis",
  "the second in upper case": "FIX-CODE",
  "an underscore for the hyphen": "deep_analysis",
  "a space for the hyphen": "deep analysis",
  "a Unicode hyphen (U+2010)": "deep\u2010analysis",
  "both joined": "deep-analysisfix-code",
};

/** Runs in the page: every feature's answers with a usable key, from the snapshot and the core. */
async function decide([options, pass, key, features]) {
  const { Keyring } = window.byok;
  const core = Keyring[Symbol.for("byok-keyring.coreDecision")];
  const kr = new Keyring(options);
  await kr.create(pass);
  kr.set("groq", key);
  const rows = features.map((f) => ({
    f,
    snap: kr.shouldDeductCredits("groq", f),
    core: core.shouldDeductCredits(kr, "groq", f),
  }));
  for (const f of features) kr.recordUsage("groq", f);
  const usage = kr.usage().groq;
  // Without a usable key every feature is charged.
  kr.lock();
  const locked = features.filter((f) => kr.shouldDeductCredits("groq", f) !== true);
  const noKey = features.filter((f) => kr.shouldDeductCredits("openai", f) !== true);
  kr.free();
  return { rows, usage, locked, noKey };
}

test("only an exact platformOnly name is charged when the user's key would be used", async () => {
  const features = [...ONLY, ...Object.values(NOT_CONFIGURED), undefined, null];
  const r = await page.evaluate(decide, [
    { storage: "memory", namespace: "platform-only", iterations: 100000, platformOnly: ONLY },
    PASS, GROQ, features,
  ]);
  const label = (f) => Object.keys(NOT_CONFIGURED).find((k) => NOT_CONFIGURED[k] === f) ?? JSON.stringify(f);
  const wrong = [];
  for (const { f, snap, core } of r.rows) {
    const expected = ONLY.includes(f);
    if (snap !== expected) wrong.push(`shouldDeductCredits("groq", ${JSON.stringify(f)}) [${label(f)}] is ${snap}, expected ${expected}`);
    if (core !== expected) wrong.push(`the core's answer for ${JSON.stringify(f)} [${label(f)}] is ${core}, expected ${expected}`);
  }
  assert.deepEqual(wrong, []);
  // recordUsage counts by the same rule: the two exact names on the
  // platform, everything else (undefined and null too) on the user's key.
  assert.deepEqual(r.usage, { byok: features.length - ONLY.length, platform: ONLY.length });
  assert.deepEqual(r.locked, [], "a locked keyring charges every feature");
  assert.deepEqual(r.noKey, [], "a provider without a key charges every feature");
  assert.deepEqual(pageErrors, []);
});

test("a platformOnly name that is a prefix or an extension of another is matched exactly too", async () => {
  // "deep" configured next to "deep-analysis": "deep-a", "dee" and "deep-analysis-x" are not charged.
  const only = ["deep", "deep-analysis"];
  const features = ["deep", "deep-analysis", "dee", "deep-a", "deep-analysis-x", "", "Deep"];
  const r = await page.evaluate(decide, [
    { storage: "memory", namespace: "platform-only-2", iterations: 100000, platformOnly: only },
    PASS, GROQ, features,
  ]);
  const charged = r.rows.filter((x) => x.snap).map((x) => x.f);
  const chargedByCore = r.rows.filter((x) => x.core).map((x) => x.f);
  assert.deepEqual(charged, only);
  assert.deepEqual(chargedByCore, only);
  assert.deepEqual(r.usage, { byok: features.length - only.length, platform: only.length });
  assert.deepEqual(pageErrors, []);
});
