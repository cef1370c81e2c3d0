// Several tabs of one origin, storage "local" (no lost update), headless
// Chromium. Pages of one browser context share localStorage and
// BroadcastChannel, like the tabs of one profile.
//
// - two tabs adding different providers at the same moment both end with
//   both keys (each write re-reads and merges: no lost update);
// - a change in one tab reaches the other's onChange ({ type: "external" })
//   and list() without a reload (the `storage` event);
// - lock({ everywhere: true }) locks every tab of that namespace, and only
//   that namespace (BroadcastChannel).
import { test } from "node:test";
import assert from "node:assert/strict";
import { servedChromium } from "./harness.mjs";

const env = servedChromium();

const PASS = "correct horse battery";
const URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ALNUM = URLSAFE.slice(0, 62);
const HEX = "0123456789abcdef";
const pick = (a, n, seed) => Array.from({ length: n }, (_, i) => a[(seed * 7919 + i * 104729 + i * i * 31) % a.length]).join("");
const KEYS = {
  openai: "sk-proj-" + pick(URLSAFE, 74, 1) + "T3BlbkFJ" + pick(URLSAFE, 74, 2),
  anthropic: "sk-ant-api03-" + pick(URLSAFE, 93, 3) + "AA",
  groq: "gsk_" + pick(ALNUM, 52, 4),
  gemini: "AIza" + pick(URLSAFE, 35, 5),
  openrouter: "sk-or-v1-" + pick(HEX, 64, 6),
  xai: "xai-" + pick(ALNUM, 80, 7),
  mistral: pick(ALNUM, 32, 8),
  perplexity: "pplx-" + pick(ALNUM, 48, 9),
  deepseek: "sk-" + pick(HEX, 32, 10),
  huggingface: "hf_" + pick(URLSAFE.slice(0, 52), 34, 11),
};

/** A tab: a page of `context` with the module loaded and, as
 * window.tab, a keyring on `namespace` whose onChange events are recorded. */
async function openTab(context, namespace) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e && e.stack || e)));
  await page.goto(`${env.server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
  await page.evaluate((ns) => {
    window.events = [];
    window.tab = new window.byok.Keyring({ namespace: ns, storage: "local", iterations: 100000 });
    window.tab.onChange((e) => window.events.push(e));
  }, namespace);
  page.errors = errors;
  return page;
}

const providersOf = (page) => page.evaluate(() => window.tab.list().map((i) => i.provider).sort());
const storedProviders = (page, ns) =>
  page.evaluate((n) => Object.keys(JSON.parse(localStorage.getItem(`byok-keyring:${n}`)).records || {}).sort(), ns);

/** Polls `f` in the page until it returns true (or `ms` pass). */
const until = (page, f, arg, ms = 5000) =>
  page.waitForFunction(f, arg, { timeout: ms, polling: 20 }).then(() => true, () => false);

/** Unlocks the keyring of `page` once the vault another tab created has
 *  reached it: localStorage arrives in another tab asynchronously, and on a
 *  loaded machine an unlock asked at once could find no vault yet. */
async function unlockOnceStored(page, ns) {
  assert.ok(await until(page, (n) => localStorage.getItem(`byok-keyring:${n}`) !== null, ns), "the vault reached the tab");
  await page.evaluate((p) => window.tab.unlock(p), PASS);
}

test("two tabs adding different providers at the same moment both end with both keys", async () => {
  const context = await env.browser.newContext();
  const [a, b] = [await openTab(context, "mt-race"), await openTab(context, "mt-race")];
  await a.evaluate((p) => window.tab.create(p), PASS);
  await unlockOnceStored(b, "mt-race");
  const pairs = [["openai", "groq"], ["anthropic", "gemini"], ["xai", "mistral"], ["openrouter", "perplexity"], ["deepseek", "huggingface"]];
  const lost = [];
  for (const [pa, pb] of pairs) {
    // Both tabs call set() at the same wall-clock moment (a rendezvous a
    // little ahead, so that both evaluate calls have arrived; not a wait for
    // an outcome).
    const at = Date.now() + 300;
    const setAt = (page, provider) => page.evaluate(async ({ at, provider, key }) => {
      await new Promise((r) => setTimeout(r, at - Date.now()));
      window.tab.set(provider, key);
    }, { at, provider, key: KEYS[provider] });
    await Promise.all([setAt(a, pa), setAt(b, pb)]);
    // localStorage reaches the other tab's process asynchronously: wait
    // until tab a sees both (a lost update never arrives: then it is recorded).
    await until(a, ([n, ps]) => {
      const records = JSON.parse(localStorage.getItem(`byok-keyring:${n}`) || "{}").records || {};
      return ps.every((p) => p in records);
    }, ["mt-race", [pa, pb]]);
    const stored = await storedProviders(a, "mt-race");
    for (const p of [pa, pb]) if (!stored.includes(p)) lost.push(`${p} (set with ${p === pa ? pb : pa} at the same moment)`);
  }
  const all = pairs.flat().sort();
  const fresh = await openTab(context, "mt-race");
  await fresh.evaluate((p) => window.tab.unlock(p), PASS);
  const got = await fresh.evaluate((ids) => Object.fromEntries(ids.map((p) => [p, window.tab.get(p)])), all);
  for (const [page, name] of [[a, "a"], [b, "b"]]) {
    await until(page, (n) => window.tab.list().length >= n, all.length - lost.length);
    assert.deepEqual(await providersOf(page), await storedProviders(page, "mt-race"), `tab ${name}'s list() is not what is stored`);
  }
  await context.close();
  assert.deepEqual(lost, [], "lost updates");
  for (const p of all) assert.equal(got[p], KEYS[p], `${p} does not decrypt to its key`);
  assert.deepEqual([...a.errors, ...b.errors, ...fresh.errors], []);
});

test("a change in one tab reaches the other's onChange and list() without a reload", async () => {
  const context = await env.browser.newContext();
  const [a, b] = [await openTab(context, "mt-event"), await openTab(context, "mt-event")];
  await a.evaluate((p) => window.tab.create(p), PASS);
  await unlockOnceStored(b, "mt-event");
  await b.evaluate(() => { window.events.length = 0; });

  await a.evaluate((k) => window.tab.set("groq", k), KEYS.groq);
  const external = await until(b, () => window.events.some((e) => e.type === "external"));
  const afterSet = await b.evaluate(() => ({
    events: window.events,
    list: window.tab.list().map((i) => i.provider),
    isByok: window.tab.isByok("groq"),
    state: window.tab.state,
  }));
  const key = await b.evaluate(() => window.tab.get("groq"));

  await b.evaluate(() => { window.events.length = 0; });
  await a.evaluate(() => window.tab.remove("groq"));
  const removed = await until(b, () => window.events.some((e) => e.type === "external") && window.tab.list().length === 0);
  const afterRemove = await b.evaluate(() => ({ isByok: window.tab.isByok("groq"), source: window.tab.source("groq") }));
  await context.close();

  assert.equal(external, true, `no { type: "external" } in the other tab: ${JSON.stringify(afterSet.events)}`);
  assert.deepEqual(afterSet.events.find((e) => e.type === "external"), { type: "external", state: "unlocked" });
  assert.deepEqual(afterSet.list, ["groq"]);
  assert.equal(afterSet.isByok, true);
  assert.equal(afterSet.state, "unlocked");
  assert.equal(key, KEYS.groq);
  assert.equal(removed, true, "the removal did not reach the other tab");
  assert.deepEqual(afterRemove, { isByok: false, source: "none" });
  assert.deepEqual([...a.errors, ...b.errors], []);
});

test("lock({ everywhere: true }) locks every tab of that namespace, and only that namespace", async () => {
  const context = await env.browser.newContext();
  const a = await openTab(context, "mt-lock");
  const b = await openTab(context, "mt-lock");
  const other = await openTab(context, "mt-lock-other");
  await a.evaluate(async ({ p, k }) => { await window.tab.create(p); window.tab.set("groq", k); }, { p: PASS, k: KEYS.groq });
  await unlockOnceStored(b, "mt-lock");
  await other.evaluate(async (p) => { await window.tab.create(p); }, PASS);
  // The other namespace's tab also holds, made after its own keyring, a
  // keyring of the namespace being locked: once the lock reaches that one, a
  // message that reached the tab's own keyring would have arrived too.
  await other.evaluate(async (p) => {
    window.marker = new window.byok.Keyring({ namespace: "mt-lock", storage: "local", iterations: 100000 });
    await window.marker.unlock(p);
  }, PASS);
  await until(b, () => window.tab.isByok("groq"));
  for (const page of [a, b, other]) await page.evaluate(() => { window.events.length = 0; });

  await a.evaluate(() => window.tab.lock({ everywhere: true }));
  const locked = await until(b, () => window.tab.state === "locked");
  const seen = await b.evaluate(() => ({ events: window.events, isByok: window.tab.isByok("groq"), source: window.tab.source("groq") }));
  let getError;
  try { await b.evaluate(() => window.tab.get("groq")); } catch (e) { getError = String(e); }
  const markerLocked = await until(other, () => window.marker.state === "locked");
  const otherState = await other.evaluate(() => ({ state: window.tab.state, events: window.events }));
  const aState = await a.evaluate(() => ({ state: window.tab.state, events: window.events }));
  await context.close();

  assert.equal(aState.state, "locked");
  assert.equal(markerLocked, true, "the lock did not reach the same namespace's keyring in the other tab");
  assert.equal(locked, true, `the other tab did not lock: ${JSON.stringify(seen.events)}`);
  assert.deepEqual(seen.events.filter((e) => e.type === "locked"), [{ type: "locked", state: "locked" }]);
  assert.equal(seen.isByok, false);
  assert.equal(seen.source, "user");
  assert.match(getError ?? "", /locked/);
  assert.deepEqual(otherState, { state: "unlocked", events: [] }, "another namespace was locked");
  assert.deepEqual([...a.errors, ...b.errors, ...other.errors], []);
});

test("garbage written by another tab is reported, locks this tab, and is not overwritten", async () => {
  const context = await env.browser.newContext();
  const [a, b] = [await openTab(context, "mt-garbage"), await openTab(context, "mt-garbage")];
  await a.evaluate(async ({ p, k }) => { await window.tab.create(p); window.tab.set("groq", k); }, { p: PASS, k: KEYS.groq });
  await unlockOnceStored(b, "mt-garbage");
  await b.evaluate(() => { window.events.length = 0; });
  await a.evaluate(() => localStorage.setItem("byok-keyring:mt-garbage", "garbage{"));
  const noticed = await until(b, () => window.events.some((e) => e.type === "external"));
  const r = await b.evaluate(async (k) => {
    const code = async (f) => { try { await f(); return "ok"; } catch (e) { return e.code; } };
    return {
      events: window.events.map((e) => e.type),
      state: window.tab.state,
      isByok: window.tab.isByok("groq"),
      list: await code(() => window.tab.list()),
      get: await code(() => window.tab.get("groq")),
      set: await code(() => window.tab.set("openai", k)),
      remove: await code(() => window.tab.remove("groq")),
      kept: localStorage.getItem("byok-keyring:mt-garbage") === "garbage{",
    };
  }, KEYS.openai);
  await context.close();
  assert.equal(noticed, true, "the other tab was not told");
  const { events, ...rest } = r;
  assert.ok(events.includes("external") && events.includes("locked"), `events: ${JSON.stringify(events)}`);
  assert.deepEqual(rest, { state: "locked", isByok: false, list: "corrupt", get: "corrupt", set: "corrupt", remove: "corrupt", kept: true });
});
