// Checking keys with their providers: `verify`, `set(..., { verify })`,
// `authHeaders` and `withKey` in headless Chromium, against the local
// provider stand-in (tests/js/standin/).
// No real provider is ever contacted: every check carries a baseUrl on
// 127.0.0.1, and the calls without one are for providers that send nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { serveRepo, launch } from "./harness.mjs";
import { startStandin, PROVIDERS, SCENARIOS, SAMPLE_KEYS, HOLD } from "./standin/server.mjs";
import { DEFAULT_ANSWERS } from "./standin/providers.mjs";

const CHECKED = Object.keys(PROVIDERS).filter((p) => !PROVIDERS[p].unsupported);
const UNSUPPORTED = Object.keys(PROVIDERS).filter((p) => PROVIDERS[p].unsupported);
const NO_ANSWER = new Set(["timeout", "network_error", "cors", "redirect"]);
const ALL_KEYS = Object.values(SAMPLE_KEYS);

let server, standin, browser, page;

/** A new page with the library loaded as window.lib. */
async function openPage() {
  const p = await browser.newPage();
  await p.goto(`${server.url}/tests/js/standin/page.html`);
  await p.waitForFunction(() => window.lib, null, { timeout: 30_000 });
  return p;
}

before(async () => {
  server = await serveRepo();
  standin = await startStandin();
  browser = await launch();
  page = await openPage();
});

after(async () => {
  await browser?.close();
  await standin?.close();
  server?.close();
});

/** verify() in the page: the Verification, or { thrown } with the error's fields. */
function verifyInPage(provider, key, options) {
  return page.evaluate(async ([provider, key, options]) => {
    try {
      return await window.lib.verify(provider, key, options);
    } catch (e) {
      return { thrown: { name: e.name, code: e.code, message: e.message, details: e.details } };
    }
  }, [provider, key, options]);
}

/** The stand-in's answer status for a scenario, or undefined when it gives none. */
function expectedStatus(provider, scenario) {
  if (NO_ANSWER.has(scenario)) return undefined;
  return (PROVIDERS[provider].answers?.[scenario] ?? DEFAULT_ANSWERS[scenario])[0];
}

function assertNoKeyIn(value, what) {
  const text = JSON.stringify(value) ?? "";
  for (const key of ALL_KEYS) assert.ok(!text.includes(key), `a key in ${what}`);
}

test("the sample keys pass the offline format check", async () => {
  const results = await page.evaluate((keys) =>
    Object.entries(keys).map(([p, k]) => [p, window.lib.validate(p, k).code]), SAMPLE_KEYS);
  for (const [p, code] of results) assert.equal(code, "ok", p);
  assert.deepEqual(Object.keys(SAMPLE_KEYS).sort(), Object.keys(PROVIDERS).sort());
  const ids = await page.evaluate(() => window.lib.providers().map((p) => p.id));
  assert.deepEqual(ids.sort(), Object.keys(PROVIDERS).sort(), "the stand-in covers every provider");
});

test("verify gives every code for every provider, sending exactly the auth headers", async (t) => {
  for (const provider of CHECKED) {
    await t.test(provider, async () => {
      const key = SAMPLE_KEYS[provider];
      const spec = PROVIDERS[provider];
      const expectedHeaders = spec.auth(key);
      for (const [scenario, code] of Object.entries(SCENARIOS)) {
        standin.reset();
        const timeoutMs = scenario === "timeout" ? 300 : 10_000;
        const v = await verifyInPage(provider, key, { baseUrl: standin.baseUrl(provider, scenario), timeoutMs });
        const where = `${provider}/${scenario}`;
        assert.equal(v.thrown, undefined, `${where} threw ${JSON.stringify(v.thrown)}`);
        assert.equal(v.code, code, `${where}: ${v.message}`);
        assert.equal(v.ok, code === "valid", where);
        assert.equal(v.provider, provider, where);
        assert.equal(v.status, expectedStatus(provider, scenario), where);
        assert.equal(typeof v.message, "string");
        assert.ok(v.message.length > 10, where);
        assertNoKeyIn(v, `the ${where} verification`);
        assert.deepEqual(Object.keys(v).sort(), ["code", "message", "ok", "provider", ...(v.status ? ["status"] : [])].sort());
        if (code === "network_error") assert.match(v.message, /CORS/, where);
        // How close to timeoutMs the check ends is a benchmark (bench/), not a test.
        if (scenario === "timeout") assert.match(v.message, /300 ms/);

        // What reached the stand-in: one preflight asking for exactly the
        // auth headers, then (unless the connection or CORS failed first)
        // one request with exactly those values, the right method and path.
        assert.ok(standin.preflights.length >= 1, `${where}: no preflight`);
        for (const pf of standin.preflights) {
          assert.equal(pf.method, spec.method, where);
          assert.deepEqual(pf.requestHeaders, Object.keys(expectedHeaders).sort(), where);
          assert.equal(pf.refused, false, where);
        }
        if (scenario === "network_error" || scenario === "cors") {
          assert.equal(standin.requests.length, 0, where);
          continue;
        }
        assert.equal(standin.requests.length, 1, where);
        const [r] = standin.requests;
        assert.deepEqual(r.problems, [], where);
        assert.equal(r.method, spec.method, where);
        assert.equal(r.path, spec.path, where);
        assert.equal(r.url, `/${scenario}/${provider}${spec.path}`, where);
        for (const [name, value] of Object.entries(expectedHeaders)) assert.equal(r.headers[name], value, `${where}: ${name}`);
        assert.ok(!("cookie" in r.headers), where);
        assert.ok(!("referer" in r.headers), `${where}: a Referer was sent`);
      }
    });
  }
});

test("the stand-in refuses an extra SDK header at the preflight, as providers do", async () => {
  standin.reset();
  const key = SAMPLE_KEYS.openai;
  const url = `${standin.baseUrl("openai", "valid")}/v1/models`;
  const r = await page.evaluate(async ([url, key]) => {
    const out = {};
    try {
      await fetch(url, { headers: { authorization: `Bearer ${key}`, "x-stainless-os": "Linux" } });
      out.withSdkHeader = "answered";
    } catch (e) {
      out.withSdkHeader = e.name;
    }
    out.authOnly = (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status;
    return out;
  }, [url, key]);
  assert.equal(r.withSdkHeader, "TypeError");
  assert.equal(r.authOnly, 200);
  assert.deepEqual(standin.preflights.map((p) => p.refused), [true, false]);
  assert.equal(standin.requests.length, 1);
});

test("a redirect is not followed, so the key is not sent again", async () => {
  for (const provider of ["openai", "anthropic", "gemini"]) {
    standin.reset();
    const key = SAMPLE_KEYS[provider];
    const spec = PROVIDERS[provider];
    const v = await verifyInPage(provider, key, { baseUrl: standin.baseUrl(provider, "redirect") });
    assert.equal(v.code, "network_error", `${provider}: ${v.message}`);
    assert.equal(v.status, undefined);
    assert.match(v.message, /redirect/);
    assert.deepEqual(standin.requests.map((r) => r.scenario), ["redirect"], provider);
    assert.deepEqual(standin.requests[0].problems, []);

    // The control: a plain fetch that follows the same redirect sends the
    // key's header a second time, which the stand-in records.
    standin.reset();
    const followed = await page.evaluate(async ([url, method, headers]) =>
      (await fetch(url, { method, headers })).status,
    [standin.baseUrl(provider, "redirect") + spec.path, spec.method, spec.auth(key)]);
    assert.equal(followed, 200);
    const resent = standin.requests.filter((r) => r.scenario === "valid");
    assert.equal(resent.length, 1, provider);
    const [header] = Object.keys(spec.auth(key));
    assert.ok(resent[0].headers[header]?.includes(key), `${provider}: the control did not re-send the key`);
  }
});

test("cookies go with a check only to the page's own origin, a Referer never", async () => {
  // Another origin on the same host (another port): a cookie of the page's
  // host would go there with fetch's "include".
  const other = await startStandin();
  standin.reset();
  const own = await browser.newPage();
  try {
    await own.goto(`${standin.url}/page.html`);
    const r = await own.evaluate(async ([lib, key, otherUrl]) => {
      const m = await import(lib);
      await m.default();
      document.cookie = "session=standin-session; path=/";
      // A same-origin path: a proxy in the app's backend, which may need to
      // know the signed-in user.
      const same = await m.verify("openai", key, { baseUrl: "/valid/openai" });
      const away = await m.verify("openai", key, { baseUrl: `${otherUrl}/valid/openai` });
      const kr = new m.Keyring({ storage: "memory", iterations: 100000 });
      await kr.create("correct horse battery");
      const stored = await kr.set("openai", key, { verify: { baseUrl: `${otherUrl}/valid/openai` } });
      // The control: a request that asks for credentials carries the cookie
      // to the other origin (its answer is refused by CORS, but it arrives).
      await fetch(`${otherUrl}/valid/openai/v1/models`, { credentials: "include" }).catch(() => {});
      return { same: same.code, away: away.code, stored: stored.verification.code };
    }, [`${server.url}/pkg/byok_keyring.js`, SAMPLE_KEYS.openai, other.url]);
    assert.deepEqual(r, { same: "valid", away: "valid", stored: "valid" });
  } finally {
    await own.close();
    await other.close();
  }
  assert.equal(standin.requests.length, 1);
  const [check] = standin.requests;
  assert.equal(check.url, "/valid/openai/v1/models");
  assert.equal(check.headers.cookie, "session=standin-session", "a same-origin check goes without the page's cookie");
  assert.equal(check.headers.referer, undefined, "the check sent a Referer");
  assert.equal(other.requests.length, 3);
  const [away, stored, control] = other.requests;
  for (const [r, what] of [[away, "verify"], [stored, "set with verify"]]) {
    assert.deepEqual(r.problems, [], what);
    assert.equal(r.headers.cookie, undefined, `${what} sent the page's cookie to another origin`);
    assert.equal(r.headers.referer, undefined, `${what} sent a Referer`);
  }
  assert.equal(control.headers.cookie, "session=standin-session", "the control carries the cookie");
  assert.ok(control.headers.referer, "the control carries a Referer");
});

test("a redirect to another origin is refused: no provider's key header reaches it", async () => {
  const other = await startStandin();
  const redirecting = await startStandin({ redirectTo: other.url });
  const where = (provider) => redirecting.baseUrl(provider, "redirect");
  try {
    for (const provider of CHECKED) {
      const key = SAMPLE_KEYS[provider];
      const spec = PROVIDERS[provider];
      const [header] = Object.keys(spec.auth(key));
      redirecting.reset();
      other.reset();
      const r = await page.evaluate(async ([provider, key, baseUrl]) => {
        const v = await window.lib.verify(provider, key, { baseUrl });
        const kr = new window.lib.Keyring({ storage: "memory", iterations: 100000 });
        await kr.create("correct horse battery");
        const stored = await kr.set(provider, key, { verify: { baseUrl } });
        return { verify: v.code, message: v.message, set: stored.verification.code };
      }, [provider, key, where(provider)]);
      assert.deepEqual([r.verify, r.set], ["network_error", "network_error"], `${provider}: ${r.message}`);
      assert.match(r.message, /redirect/);
      assert.deepEqual(redirecting.requests.map((q) => [q.scenario, q.problems.length]), [["redirect", 0], ["redirect", 0]], provider);
      assert.deepEqual(other.requests, [], `${provider}: a request reached the other origin`);
      assert.deepEqual(other.preflights, [], `${provider}: a preflight reached the other origin`);
    }
    // The control: a fetch that follows the redirect sends the key's header
    // on to the other origin (custom headers survive a cross-origin
    // redirect; each provider's own header is checked where the browser
    // keeps it).
    const carried = {};
    for (const provider of ["openai", "anthropic", "gemini"]) {
      const key = SAMPLE_KEYS[provider];
      const spec = PROVIDERS[provider];
      const [header] = Object.keys(spec.auth(key));
      other.reset();
      await page.evaluate(async ([url, method, headers]) => {
        await fetch(url, { method, headers }).catch(() => {});
      }, [where(provider) + spec.path, spec.method, spec.auth(key)]);
      assert.equal(other.requests.length, 1, `${provider}: the control did not reach the other origin`);
      carried[header] = other.requests[0].headers[header]?.includes(key) ?? false;
    }
    assert.equal(carried["x-api-key"], true, "the control did not carry x-api-key to the other origin");
    assert.equal(carried["x-goog-api-key"], true, "the control did not carry x-goog-api-key to the other origin");
    console.log(`a followed cross-origin redirect carried: ${JSON.stringify(carried)}`);
  } finally {
    await redirecting.close();
    await other.close();
  }
});

test("providers without a free check are unsupported and nothing is sent", async () => {
  standin.reset();
  for (const provider of UNSUPPORTED) {
    for (const options of [undefined, { baseUrl: standin.baseUrl(provider, "valid") }]) {
      const v = await verifyInPage(provider, SAMPLE_KEYS[provider], options);
      assert.equal(v.code, "unsupported", provider);
      assert.equal(v.ok, false);
      assert.equal(v.status, undefined);
      assert.equal(v.provider, provider);
      assert.match(v.message, /no free way to check/);
    }
  }
  assert.equal(standin.preflights.length + standin.requests.length, 0);
});

test("bad arguments reject with a KeyringError; nothing is sent", async () => {
  standin.reset();
  const base = standin.baseUrl("openai", "valid");
  const key = SAMPLE_KEYS.openai;
  const cases = [
    [["nope", key], "unknown_provider"],
    [["openai", "sk-short"], "invalid_key"],
    [["openai", SAMPLE_KEYS.anthropic], "invalid_key"],
    [["openai", 42], "invalid_argument"],
    [[undefined, key], "invalid_argument"],
    [["openai", key, "fast"], "invalid_argument"],
    [["openai", key, { nope: 1 }], "invalid_argument"],
    [["openai", key, { baseUrl: "ftp://127.0.0.1/x" }], "invalid_argument"],
    [["openai", key, { baseUrl: "http://example.com" }], "invalid_argument"],
    [["openai", key, { baseUrl: `${base}?key=1` }], "invalid_argument"],
    [["openai", key, { baseUrl: "https://user:pw@example.com" }], "invalid_argument"],
    [["openai", key, { baseUrl: 5 }], "invalid_argument"],
    [["openai", key, { baseUrl: base, timeoutMs: 0 }], "invalid_argument"],
    [["openai", key, { baseUrl: base, timeoutMs: 1.5 }], "invalid_argument"],
    [["openai", key, { baseUrl: base, timeoutMs: 120_001 }], "invalid_argument"],
    [["openai", key, { baseUrl: base, region: "us-east-1" }], "invalid_argument"],
    [["bedrock", SAMPLE_KEYS.bedrock, { baseUrl: base, region: "us east 1" }], "invalid_argument"],
    [["bedrock", SAMPLE_KEYS.bedrock, { region: "x.evil.com/" }], "invalid_argument"],
    [["openai", key, { baseUrl: base, signal: {} }], "invalid_argument"],
  ];
  for (const [args, code] of cases) {
    const r = await verifyInPage(...args);
    assert.ok(r.thrown, `${JSON.stringify(args[2])} did not throw`);
    assert.equal(r.thrown.name, "KeyringError");
    assert.equal(r.thrown.code, code, `${args[0]} ${JSON.stringify(args[2])}: ${r.thrown.message}`);
    assertNoKeyIn(r.thrown, "an error");
  }
  const bad = await verifyInPage("openai", "sk-short");
  assert.equal(bad.thrown.details.valid, false);
  assert.equal(bad.thrown.details.code, "too_short");
  assert.equal(standin.preflights.length + standin.requests.length, 0);
});

test("Bedrock: region picks the default host, baseUrl overrides it", async () => {
  standin.reset();
  const v = await verifyInPage("bedrock", SAMPLE_KEYS.bedrock, { region: "eu-west-3", baseUrl: standin.baseUrl("bedrock", "valid") });
  assert.equal(v.code, "valid");
  assert.equal(standin.requests[0].path, "/foundation-models");
});

/**
 * Starts `call` in the page (a check of `window.lib` / `window.kr` given the
 * held stand-in's baseUrl and an AbortSignal), waits until its request is
 * at the stand-in, aborts it with `reason` (none: the default AbortError),
 * then lets the stand-in answer "valid". Resolves to what the call ended
 * with: { resolved } or { rejected, sameReason }. Without `reason` and with
 * `abort: false` it only releases the answer (the control).
 */
async function abortWhileAtProvider(call, { reason, abort = true, key = SAMPLE_KEYS.openai } = {}) {
  standin.reset();
  const base = standin.baseUrl("openai", HOLD);
  await page.evaluate(([call, base, key]) => {
    const c = new AbortController();
    const run = new Function("lib", "kr", "key", "baseUrl", "signal", `return (${call})(lib, kr, key, baseUrl, signal);`);
    window.pending = { c, outcome: Promise.resolve()
      .then(() => run(window.lib, window.kr, key, base, c.signal))
      .then((v) => ({ resolved: v?.code ?? v?.verification?.code ?? "resolved" }),
        (e) => ({ rejected: e?.name ?? String(e), sameReason: e === window.pending.reason })) };
  }, [call.toString(), base, key]);
  // The request at the stand-in, unless the check ended without sending it.
  let arrived = false;
  const first = await Promise.race([
    standin.waitForRequest((r) => r.scenario === HOLD).then(() => (arrived = true)),
    page.evaluate(() => window.pending.outcome).then((o) => (arrived ? undefined : { ended: o }), () => undefined),
  ]);
  if (first?.ended) throw new Error(`the check ended before its request reached the provider: ${JSON.stringify(first.ended)}`);
  if (abort) {
    await page.evaluate((reason) => {
      window.pending.reason = reason === undefined ? undefined : new Error(reason);
      window.pending.c.abort(window.pending.reason);
    }, reason);
  }
  assert.equal(standin.release("valid"), 1, "one request was held");
  return page.evaluate(() => window.pending.outcome);
}

test("the caller's signal cancels a check: it rejects with the signal's reason", async () => {
  // Already aborted: rejects, and nothing is sent (to a stand-in that would answer at once).
  standin.reset();
  const pre = await page.evaluate(async ([base, key]) => {
    const c = new AbortController();
    c.abort();
    try { await window.lib.verify("openai", key, { baseUrl: base, signal: c.signal }); return "resolved"; }
    catch (e) { return e.name; }
  }, [standin.baseUrl("openai", "valid"), SAMPLE_KEYS.openai]);
  assert.equal(pre, "AbortError");
  assert.equal(standin.preflights.length + standin.requests.length, 0, "the pre-aborted check sent something");

  const check = (lib, kr, key, baseUrl, signal) => lib.verify("openai", key, { baseUrl, signal, timeoutMs: 120_000 });
  // The control: the held answer, released, reaches a check nobody aborted.
  assert.deepEqual(await abortWhileAtProvider(check, { abort: false }), { resolved: "valid" });
  // Aborted while its request is at the provider, which answers "valid"
  // only after the abort: the check rejects all the same.
  assert.deepEqual(await abortWhileAtProvider(check), { rejected: "AbortError", sameReason: false });
  // With the signal's own reason, as fetch does.
  assert.deepEqual(await abortWhileAtProvider(check, { reason: "the settings popup was closed" }), { rejected: "Error", sameReason: true });

  // A signal that aborts after the answer changes nothing.
  const late = await page.evaluate(async ([base, key]) => {
    const c = new AbortController();
    const v = await window.lib.verify("openai", key, { baseUrl: base, signal: c.signal });
    c.abort();
    return v.code;
  }, [standin.baseUrl("openai", "valid"), SAMPLE_KEYS.openai]);
  assert.equal(late, "valid");
});

/** A fresh, unlocked in-memory keyring in the page, as window.kr. */
async function freshKeyring() {
  await page.evaluate(async () => {
    window.kr?.free();
    window.kr = new window.lib.Keyring({ namespace: `verify-${Math.random()}`, storage: "memory", iterations: 100_000 });
    window.events = [];
    window.kr.onChange((e) => window.events.push(`${e.type}:${e.provider ?? ""}`));
    await window.kr.create("correct horse battery");
  });
}

/** kr.set(provider, key, options) in the page; `options.verify.baseUrl` is filled from `scenario`. */
function setInPage(provider, key, options) {
  return page.evaluate(async ([provider, key, options]) => {
    const out = {};
    try {
      const r = window.kr.set(provider, key, options);
      out.promise = r instanceof Promise;
      out.info = await r;
    } catch (e) {
      out.thrown = { name: e.name, code: e.code, message: e.message, details: e.details };
    }
    out.stored = window.kr.get(provider) === key;
    return out;
  }, [provider, key, options]);
}

test("set(..., { verify }) stores live and unverifiable keys, refuses rejected ones", async () => {
  await freshKeyring();
  standin.reset();
  const via = (provider, scenario, extra = {}) => ({ verify: { baseUrl: standin.baseUrl(provider, scenario), ...extra } });

  const ok = await setInPage("openai", SAMPLE_KEYS.openai, { model: "gpt-4o-mini", ...via("openai", "valid") });
  assert.equal(ok.promise, true);
  assert.equal(ok.thrown, undefined);
  assert.equal(ok.stored, true);
  assert.equal(ok.info.provider, "openai");
  assert.equal(ok.info.model, "gpt-4o-mini");
  assert.match(ok.info.masked, /^sk-p•+uvwx$/);
  assert.deepEqual(ok.info.verification, { ok: true, code: "valid", status: 200, message: "OpenAI accepted this key.", provider: "openai" });

  for (const [provider, scenario, status] of [["groq", "invalid_key", 401], ["gemini", "invalid_key", 400], ["bedrock", "invalid_key", 403], ["cohere", "invalid_key", 200], ["mistral", "unauthorized", 401]]) {
    const r = await setInPage(provider, SAMPLE_KEYS[provider], via(provider, scenario));
    assert.equal(r.promise, true);
    assert.equal(r.thrown?.name, "KeyringError", provider);
    assert.equal(r.thrown.code, "invalid_key", provider);
    assert.equal(r.thrown.details.code, "invalid_key", provider);
    assert.equal(r.thrown.details.ok, false);
    assert.equal(r.thrown.details.status, status, provider);
    assert.equal(r.thrown.details.provider, provider);
    assert.equal(r.thrown.message, r.thrown.details.message);
    assert.match(r.thrown.message, /rejected this key/);
    assert.equal(r.stored, false, `${provider}: a rejected key was stored`);
    assertNoKeyIn(r.thrown, "the rejection");
  }

  // Live keys (forbidden, rate-limited) and keys that could not be checked
  // (network, CORS, timeout, provider failure, no free check) are stored.
  for (const [provider, scenario, code, extra] of [
    ["deepseek", "rate_limited", "rate_limited"],
    ["together", "forbidden", "forbidden"],
    ["fireworks", "provider_error", "provider_error"],
    ["xai", "network_error", "network_error"],
    ["huggingface", "cors", "network_error"],
    ["perplexity", "timeout", "timeout", { timeoutMs: 300 }],
  ]) {
    const r = await setInPage(provider, SAMPLE_KEYS[provider], via(provider, scenario, extra));
    assert.equal(r.thrown, undefined, `${provider}: ${JSON.stringify(r.thrown)}`);
    assert.equal(r.stored, true, provider);
    assert.equal(r.info.verification.code, code, provider);
    assert.equal(r.info.verification.ok, false);
    assert.equal(r.info.provider, provider);
  }
  const exa = await setInPage("exa", SAMPLE_KEYS.exa, { verify: true });
  assert.equal(exa.info.verification.code, "unsupported");
  assert.equal(exa.stored, true);

  const events = await page.evaluate(() => window.events);
  assert.deepEqual(events.filter((e) => e.startsWith("set:")).sort(),
    ["deepseek", "exa", "fireworks", "huggingface", "openai", "perplexity", "together", "xai"].map((p) => `set:${p}`));
});

test("set without verify stays synchronous; bad verify options and a locked keyring reject before any request", async () => {
  await freshKeyring();
  standin.reset();
  const plain = await setInPage("openai", SAMPLE_KEYS.openai, { verify: false });
  assert.equal(plain.promise, false);
  assert.equal(plain.info.provider, "openai");
  const none = await setInPage("groq", SAMPLE_KEYS.groq);
  assert.equal(none.promise, false);

  for (const [options, code] of [
    [{ verify: "yes" }, "invalid_argument"],
    [{ verify: { nope: 1 } }, "invalid_argument"],
    [{ verify: { baseUrl: "http://example.com" } }, "invalid_argument"],
    [{ verify: true, color: "red" }, "invalid_argument"],
  ]) {
    const r = await setInPage("mistral", SAMPLE_KEYS.mistral, options);
    assert.equal(r.promise, true, JSON.stringify(options));
    assert.equal(r.thrown?.code, code, JSON.stringify(options));
    assert.equal(r.stored, false);
  }
  const malformed = await setInPage("mistral", "short", { verify: { baseUrl: standin.baseUrl("mistral", "valid") } });
  assert.equal(malformed.thrown.code, "invalid_key");
  assert.equal(malformed.thrown.details.valid, false, "a format failure carries the Validation");

  const locked = await page.evaluate(async ([key, baseUrl]) => {
    window.kr.lock();
    try { await window.kr.set("openai", key, { verify: { baseUrl } }); return "resolved"; }
    catch (e) { return e.code; }
  }, [SAMPLE_KEYS.openai, standin.baseUrl("openai", "valid")]);
  assert.equal(locked, "locked");
  assert.equal(standin.preflights.length + standin.requests.length, 0);
});

test("set(..., { verify: { signal } }) aborted stores nothing", async () => {
  await freshKeyring();
  const set = (lib, kr, key, baseUrl, signal) => kr.set("openai", key, { verify: { baseUrl, signal, timeoutMs: 120_000 } });
  const stored = () => page.evaluate(() => window.kr.get("openai") !== undefined);
  // Aborted while the provider is asked, which then says "valid": nothing is stored.
  assert.deepEqual(await abortWhileAtProvider(set), { rejected: "AbortError", sameReason: false });
  assert.equal(await stored(), false, "an aborted check stored the key");
  // The control: not aborted, the same answer stores it.
  assert.deepEqual(await abortWhileAtProvider(set, { abort: false }), { resolved: "valid" });
  assert.equal(await stored(), true);
});

test("authHeaders gives exactly the table's headers, and they pass the provider's CORS check", async () => {
  await freshKeyring();
  standin.reset();
  const r = await page.evaluate(async ([keys, bases]) => {
    const out = { headers: {}, status: {} };
    try { window.kr.authHeaders("openai"); } catch (e) { out.unknownBeforeSet = e.code; }
    out.none = window.kr.authHeaders("openai");
    for (const [p, k] of Object.entries(keys)) window.kr.set(p, k);
    for (const p of Object.keys(keys)) out.headers[p] = window.kr.authHeaders(p);
    for (const [p, { url, method }] of Object.entries(bases)) {
      out.status[p] = (await fetch(url, { method, headers: window.kr.authHeaders(p) })).status;
    }
    try { window.kr.authHeaders("nope"); } catch (e) { out.unknown = e.code; }
    window.kr.remove("groq");
    out.removed = window.kr.authHeaders("groq");
    window.kr.lock();
    try { window.kr.authHeaders("openai"); } catch (e) { out.locked = { name: e.name, code: e.code }; }
    return out;
  }, [SAMPLE_KEYS, Object.fromEntries(CHECKED.map((p) => [p, { url: standin.baseUrl(p, "valid") + PROVIDERS[p].path, method: PROVIDERS[p].method }]))]);
  assert.equal(r.unknownBeforeSet, undefined);
  assert.equal(r.none, undefined);
  for (const [p, key] of Object.entries(SAMPLE_KEYS)) assert.deepEqual(r.headers[p], PROVIDERS[p].auth(key), p);
  for (const p of CHECKED) assert.equal(r.status[p], 200, p);
  assert.ok(standin.requests.every((q) => q.problems.length === 0));
  assert.equal(r.unknown, "unknown_provider");
  assert.equal(r.removed, undefined);
  assert.deepEqual(r.locked, { name: "KeyringError", code: "locked" });
});

test("withKey lends the key to a callback only", async () => {
  await freshKeyring();
  const r = await page.evaluate(async (key) => {
    const out = {};
    const kr = window.kr;
    let called = false;
    out.none = kr.withKey("openai", () => { called = true; return 1; });
    out.calledWithoutKey = called;
    kr.set("openai", key);
    out.sync = kr.withKey("openai", (k, h) => [k === key, h.authorization === `Bearer ${key}`]);
    out.async = await kr.withKey("openai", async (k) => k.length);
    out.reentrant = kr.withKey("openai", () => kr.list().length);
    const boom = new Error("boom");
    try { kr.withKey("openai", () => { throw boom; }); } catch (e) { out.rethrown = e === boom; }
    try { kr.withKey("openai", "not a function"); } catch (e) { out.notFunction = e.code; }
    kr.lock();
    try { kr.withKey("openai", () => 1); } catch (e) { out.locked = e.code; }
    return out;
  }, SAMPLE_KEYS.openai);
  assert.deepEqual(r, {
    none: undefined, calledWithoutKey: false, sync: [true, true], async: SAMPLE_KEYS.openai.length,
    reentrant: 1, rethrown: true, notFunction: "invalid_argument", locked: "locked",
  });
});

test("a key saved with its endpoint: list() shows it, endpoint() gives it, kr.verify checks there", async () => {
  await freshKeyring();
  standin.reset();
  const base = standin.baseUrl("azureopenai", "valid");
  const r = await page.evaluate(async ([key, base, rejecting]) => {
    const out = {};
    const kr = window.kr;
    out.none = await kr.verify("azureopenai");
    out.info = kr.set("azureopenai", key, { baseUrl: base + "/" });
    out.listed = kr.list().map((i) => i.baseUrl);
    out.endpoint = kr.endpoint("azureopenai");
    out.headers = Object.keys(kr.authHeaders("azureopenai"));
    out.checked = await kr.verify("azureopenai");
    out.elsewhere = await kr.verify("azureopenai", { baseUrl: rejecting });
    try { kr.set("azureopenai", key, { baseUrl: "http://example.com" }); } catch (e) { out.refused = [e.code, e.message]; }
    out.keptAfterRefusal = kr.endpoint("azureopenai");
    kr.set("azureopenai", key);
    out.without = [kr.endpoint("azureopenai"), (await kr.verify("azureopenai")).code];
    const verified = await kr.set("azureopenai", key, { baseUrl: base, verify: true });
    out.verified = [verified.baseUrl, verified.verification.code];
    kr.lock();
    out.lockedList = kr.list().map((i) => i.baseUrl);
    try { kr.endpoint("azureopenai"); } catch (e) { out.locked = e.code; }
    return out;
  }, [SAMPLE_KEYS.azureopenai, base, standin.baseUrl("azureopenai", "invalid_key")]);
  assert.equal(r.none, undefined);
  assert.equal(r.info.baseUrl, base);
  assert.deepEqual(r.listed, [base]);
  assert.equal(r.endpoint, base);
  assert.deepEqual(r.headers, ["api-key"], "authHeaders keeps its shape");
  assert.equal(r.checked.code, "valid");
  assert.equal(r.elsewhere.code, "invalid_key");
  assert.equal(r.refused[0], "invalid_argument");
  assert.match(r.refused[1], /^baseUrl /);
  assert.equal(r.keptAfterRefusal, base);
  assert.deepEqual(r.without, [undefined, "unsupported"]);
  assert.deepEqual(r.verified, [base, "valid"]);
  assert.deepEqual(r.lockedList, [base]);
  assert.equal(r.locked, "locked");
  const sent = standin.requests.map((q) => [q.scenario, q.path, q.problems.length]);
  assert.deepEqual(sent, [["valid", "/openai/v1/models", 0], ["invalid_key", "/openai/v1/models", 0], ["valid", "/openai/v1/models", 0]]);
});

test("verify runs under Node too (the package's node entry), where no CORS applies", async () => {
  const { default: init, verify } = await import("../../pkg/node.js");
  await init();
  standin.reset();
  const run = (scenario, extra = {}) =>
    verify("anthropic", SAMPLE_KEYS.anthropic, { baseUrl: standin.baseUrl("anthropic", scenario), ...extra });
  assert.equal((await run("valid")).code, "valid");
  assert.equal((await run("invalid_key")).status, 401);
  assert.equal((await run("cors")).code, "valid", "CORS is a browser rule");
  assert.equal((await run("timeout", { timeoutMs: 200 })).code, "timeout");
  assert.equal((await run("network_error")).code, "network_error");
  standin.reset();
  assert.equal((await run("redirect")).code, "network_error", "a redirect is not followed");
  assert.deepEqual(standin.requests.map((r) => r.scenario), ["redirect"]);
  const closed = `http://127.0.0.1:${await freePort()}/openai`;
  assert.equal((await verify("openai", SAMPLE_KEYS.openai, { baseUrl: closed })).code, "network_error");
  assert.ok(standin.requests.every((r) => r.problems.length === 0));
});

/** A port nothing listens on. */
async function freePort() {
  const { createServer } = await import("node:net");
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const windows = (secret) => Array.from({ length: Math.max(0, [...secret].length - 8) }, (_, i) => [...secret].slice(i, i + 9).join(""));

test("no key, and no 9-character window of one, reaches the console while checking keys", async () => {
  // Its own page, so it sees only the console output of what it runs: every
  // check outcome, set(..., { verify }), authHeaders, withKey and the
  // errors, each logged as an app would log it.
  const own = await openPage();
  const lines = [];
  own.on("console", (m) => lines.push(`${m.type()}: ${m.text()}`));
  own.on("pageerror", (e) => lines.push(`pageerror: ${e.stack || e}`));
  const checks = CHECKED.flatMap((p) => ["valid", "invalid_key", "rate_limited", "provider_error", "network_error", "cors", "redirect", "timeout"]
    .map((scenario) => [p, scenario, standin.baseUrl(p, scenario)]));
  try {
    await own.evaluate(async ([keys, checks, unsupported]) => {
      const lib = window.lib;
      const log = (what, v) => console.log(what, JSON.stringify(v));
      const fail = (what, e) => {
        console.error(`${what} failed:`, e);
        console.warn(what, JSON.stringify({ name: e?.name, code: e?.code, message: e?.message, details: e?.details }));
      };
      const attempt = async (what, f) => { try { log(what, await f()); } catch (e) { fail(what, e); } };
      for (const [p, scenario, baseUrl] of checks) {
        await attempt(`verify ${p} ${scenario}`, () => lib.verify(p, keys[p], { baseUrl, timeoutMs: scenario === "timeout" ? 300 : 10_000 }));
      }
      for (const p of unsupported) await attempt(`verify ${p}`, () => lib.verify(p, keys[p]));
      await attempt("verify for an unknown provider", () => lib.verify("nope", keys.openai));
      await attempt("verify a key of the wrong provider", () => lib.verify("openai", keys.anthropic));
      await attempt("verify a cut-off key", () => lib.verify("openai", keys.openai.slice(0, 30)));
      await attempt("verify with a bad baseUrl", () => lib.verify("openai", keys.openai, { baseUrl: "http://example.com" }));
      const kr = new lib.Keyring({ namespace: "console", storage: "memory", iterations: 100_000 });
      kr.onChange((e) => log("onChange", e));
      await kr.create("correct horse battery");
      for (const [p, , baseUrl] of checks.filter(([, s]) => s === "valid" || s === "invalid_key")) {
        await attempt(`set ${p} with verify`, () => kr.set(p, keys[p], { verify: { baseUrl } }));
      }
      for (const p of Object.keys(keys)) {
        await attempt(`authHeaders names ${p}`, () => Object.keys(kr.authHeaders(p) ?? {}));
        await attempt(`withKey ${p}`, () => kr.withKey(p, (k, h) => [k.length, Object.keys(h)]));
      }
      log("list", kr.list());
      kr.lock();
      await attempt("authHeaders while locked", () => kr.authHeaders("openai"));
      await attempt("set with verify while locked", () => kr.set("openai", keys.openai, { verify: true }));
    }, [SAMPLE_KEYS, checks, UNSUPPORTED]);
  } finally {
    await own.close();
  }
  // The collector did collect: results, errors, and the browser's own
  // messages about the refused (CORS) checks.
  const text = lines.join("\n");
  for (const expected of ['"code":"valid"', '"code":"invalid_key"', '"code":"timeout"', '"code":"network_error"', "unknown_provider",
    "error: set openai with verify failed: KeyringError", "invalid_argument", "locked", "CORS"]) {
    assert.ok(text.includes(expected), `the console collector missed ${expected}`);
  }
  const leaks = [];
  for (const key of [...new Set(ALL_KEYS)]) {
    for (const w of windows(key)) {
      const line = lines.find((l) => l.includes(w));
      if (line) leaks.push(`${JSON.stringify(w)} of the ${[...key].length}-character ${Object.keys(SAMPLE_KEYS).find((p) => SAMPLE_KEYS[p] === key)} key, in: ${line.slice(0, 200)}`);
    }
  }
  assert.deepEqual(leaks, []);
});

test("TypeScript declarations of verify, set(..., { verify }), authHeaders and withKey", async () => {
  const dts = await readFile(new URL("../../pkg/byok_keyring.d.ts", import.meta.url), "utf8");
  for (const decl of [
    "export function verify(provider: ProviderId, key: string, options?: VerifyOptions | null): Promise<Verification>;",
    "authHeaders(provider: ProviderId): Record<string, string> | undefined;",
    "set(provider: ProviderId, apiKey: string, options: Omit<SetOptions, \"verify\"> & { verify: true | VerifyOptions }): Promise<VerifiedKeyInfo>;",
    "withKey<T>(provider: ProviderId, fn: (apiKey: string, headers: Record<string, string>) => T): T | undefined;",
    "details?: Validation | Verification;",
    "export interface VerifiedKeyInfo extends KeyInfo {",
  ]) {
    assert.ok(dts.includes(decl), `missing in .d.ts: ${decl}`);
  }
  assert.ok(!/^\s*withKey\(provider: any/m.test(dts), "the untyped class method is skipped");
  const codes = /export type VerificationCode =([^;]*);/.exec(dts)[1].match(/"[a-z_]+"/g).map((s) => JSON.parse(s));
  assert.deepEqual(codes, ["valid", "invalid_key", "forbidden", "rate_limited", "provider_error", "network_error", "timeout", "unsupported"]);
});
