// Providers an app defines, in headless Chromium through the package entry
// (pkg/index.js): defineProvider and new Keyring({ providers }), validate and
// mask by the declared shape, set/get, isByok and shouldDeductCredits from
// the JS-side decision snapshot, authHeaders, providers(), and verify against
// the local stand-in (tests/js/standin/) serving an OpenAI-compatible
// /v1/models. Malformed definitions are refused naming the field.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveRepo, launch } from "./harness.mjs";
import { startStandin } from "./standin/server.mjs";

let server, standin, browser, page;
before(async () => {
  server = await serveRepo();
  standin = await startStandin();
  browser = await launch();
  page = await browser.newPage();
  await page.goto(`${server.url}/tests/js/pages/blank.html`);
  const ready = await page.waitForFunction(() => window.ready, null, { timeout: 30_000 }).then((h) => h.jsonValue());
  assert.equal(ready, true, `module did not load: ${ready}`);
});
after(async () => {
  await browser?.close();
  await standin?.close();
  server?.close();
});

const KEY = "cgw-" + "A1b2C3d4E5f6".repeat(3).slice(0, 32);

/** A company gateway that speaks OpenAI's API, at the stand-in. */
const gateway = (baseUrl, id = "corp-gw") => ({
  id, name: "Corp Gateway", prefixes: ["cgw-"], lengths: [36], alphabet: "alnum",
  keyUrl: "https://corp.example/keys", defaultModel: "corp-large", baseUrl,
  auth: { header: "Authorization", scheme: "Bearer" }, check: { method: "GET", path: "/v1/models" },
});

test("a defined provider is validated, masked, stored, decided on the fast path and verified", async () => {
  const base = standin.baseUrl("openai", "valid");
  standin.reset();
  const r = await page.evaluate(async ([def, key, invalidBase]) => {
    const m = window.byok;
    const out = {};
    out.info = m.defineProvider(def);
    out.listed = m.providers().map((p) => p.id);
    out.ok = m.validate("corp-gw", key);
    out.cut = m.validate("corp-gw", key.slice(0, -1)).code;
    out.long = m.validate("corp-gw", key + "Z").code;
    out.inOpenAi = m.validate("openai", key);
    out.detected = m.detectProvider(key);
    out.masked = m.mask(key);
    const ollama = { id: "ollama", name: "Ollama", baseUrl: "http://localhost:11434", auth: { header: "authorization", scheme: "Bearer" } };
    const kr = new m.Keyring({ storage: "memory", namespace: "custom", iterations: 100000, platformOnly: ["deep"], providers: [def, ollama] });
    await kr.create("correct horse battery");
    const core = m.Keyring[Symbol.for("byok-keyring.coreDecision")];
    out.before = [kr.isByok("corp-gw"), kr.shouldDeductCredits("corp-gw"), core.isByok(kr, "corp-gw")];
    out.set = kr.set("corp-gw", key + "\n");
    kr.set("ollama", "any-local-token");
    out.got = kr.get("corp-gw") === key;
    out.after = [kr.isByok("corp-gw"), kr.shouldDeductCredits("corp-gw"), kr.shouldDeductCredits("corp-gw", "deep"), core.isByok(kr, "corp-gw"), kr.isByok("ollama")];
    out.headers = kr.authHeaders("corp-gw");
    out.ollamaHeaders = kr.authHeaders("ollama");
    out.verified = await m.verify("corp-gw", key);
    out.storedVerified = await kr.verify("corp-gw");
    out.ollamaVerify = await m.verify("ollama", "any-local-token");
    m.defineProvider({ ...def, id: "corp-gw-bad", baseUrl: invalidBase });
    out.rejected = await m.verify("corp-gw-bad", key);
    kr.setEnabled("corp-gw", false);
    out.disabled = [kr.isByok("corp-gw"), core.isByok(kr, "corp-gw")];
    kr.lock();
    out.locked = kr.isByok("ollama");
    kr.free();
    return out;
  }, [gateway(base), KEY, standin.baseUrl("openai", "invalid_key")]);

  assert.deepEqual(
    { id: r.info.id, name: r.info.name, keyLabel: r.info.keyLabel, prefixes: r.info.prefixes, keyUrl: r.info.keyUrl, defaultModel: r.info.defaultModel, checkOrigin: r.info.checkOrigin },
    { id: "corp-gw", name: "Corp Gateway", keyLabel: "a Corp Gateway key", prefixes: ["cgw-"], keyUrl: "https://corp.example/keys", defaultModel: "corp-large", checkOrigin: base },
  );
  assert.ok(r.listed.includes("openai") && r.listed.at(-1) !== "openai" && r.listed.includes("corp-gw"), r.listed.join(" "));
  assert.equal(r.ok.code, "ok");
  assert.equal(r.ok.valid, true);
  assert.equal(r.cut, "too_short");
  assert.equal(r.long, "too_long");
  assert.equal(r.inOpenAi.code, "wrong_provider");
  assert.equal(r.inOpenAi.detected, "corp-gw");
  assert.equal(r.detected, "corp-gw");
  assert.equal(r.masked, "cgw-••••••••" + KEY.slice(-4));
  assert.deepEqual(r.before, [false, true, false]);
  assert.equal(r.set.provider, "corp-gw");
  assert.equal(r.got, true);
  assert.deepEqual(r.after, [true, false, true, true, true]);
  assert.deepEqual(r.headers, { authorization: `Bearer ${KEY}` });
  assert.deepEqual(r.ollamaHeaders, { authorization: "Bearer any-local-token" });
  assert.equal(r.verified.code, "valid", JSON.stringify(r.verified));
  assert.equal(r.verified.provider, "corp-gw");
  assert.equal(r.storedVerified.code, "valid");
  assert.equal(r.ollamaVerify.code, "unsupported");
  assert.equal(r.rejected.code, "invalid_key", JSON.stringify(r.rejected));
  assert.deepEqual(r.disabled, [false, false]);
  assert.equal(r.locked, false);
  // What the stand-in saw: the defined check, the key in the defined header.
  const seen = standin.requests.filter((q) => q.provider === "openai");
  assert.equal(seen.length, 3);
  for (const q of seen) {
    assert.equal(q.method, "GET");
    assert.equal(q.path, "/v1/models");
    assert.equal(q.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(q.problems, []);
  }
  for (const v of [r.verified, r.rejected, r.ok, r.inOpenAi]) assert.ok(!JSON.stringify(v.message).includes(KEY.slice(4, 13)));
});

test("a malformed definition, or one with a built-in id, is refused naming the field", async () => {
  const errors = await page.evaluate((def) => {
    const m = window.byok;
    const cases = {
      id: { ...def, id: "openai" },
      "id ": { ...def, id: "Not An Id" },
      name: { ...def, id: "x1", name: "" },
      lengths: { ...def, id: "x2", lengths: [0] },
      alphabet: { ...def, id: "x3", alphabet: "klingon" },
      baseUrl: { ...def, id: "x4", baseUrl: "http://gateway.example" },
      "auth.header": { ...def, id: "x5", auth: { header: "has space" } },
      "check.method": { ...def, id: "x6", check: { method: "DELETE", path: "/v1/models" } },
      "check.path": { ...def, id: "x7", check: { method: "GET", path: "v1/models" } },
      "auth ": { ...def, id: "x8", auth: undefined },
      "Unknown option": { ...def, id: "x9", colour: "blue" },
    };
    const out = {};
    for (const [field, d] of Object.entries(cases)) {
      try {
        m.defineProvider(d);
        out[field] = "accepted";
      } catch (e) {
        out[field] = { name: e.name, code: e.code, message: e.message };
      }
    }
    try {
      new m.Keyring({ storage: "memory", providers: [{ ...def, id: "anthropic" }] });
      out.keyring = "accepted";
    } catch (e) {
      out.keyring = { name: e.name, code: e.code, message: e.message };
    }
    out.notDefined = m.providers().filter((p) => /^x\d$/.test(p.id)).map((p) => p.id);
    return out;
  }, gateway("https://gateway.example/v1"));
  const { notDefined, ...refusals } = errors;
  assert.deepEqual(notDefined, []);
  for (const [field, e] of Object.entries(refusals)) {
    assert.equal(e.name, "KeyringError", field);
    assert.equal(e.code, "invalid_argument", field);
    const named = field === "keyring" ? "id" : field.trim();
    assert.ok(e.message.includes(named), `${field}: ${e.message}`);
  }
});
