// A Web Worker (headless Chromium) imports the package entry and uses a
// "memory" keyring; each worker is a fresh module, so each init() form is
// checked from an uninitialised state.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveRepo, launch } from "./harness.mjs";
import { ensurePackage } from "../integration/lib.mjs";

let server, browser, page;
before(async () => {
  await ensurePackage();
  server = await serveRepo();
  browser = await launch();
  page = await browser.newPage();
  await page.goto(`${server.url}/tests/js/fixtures/worker.html`);
});
after(async () => {
  await browser?.close();
  server?.close();
});

const runWorker = (mode) => page.evaluate((m) => window.runWorker(m), mode);

test("a module Worker uses a memory keyring; session and local storage say storage_unavailable", async () => {
  const r = await runWorker("default");
  assert.equal(r.error, undefined, r.error);
  assert.equal(r.isWorker, true);
  assert.equal(r.before.name, "KeyringError");
  assert.equal(r.before.code, "not_initialized");
  assert.match(r.before.message, /await init\(\)/);
  assert.equal(r.samePromise, true);
  assert.equal(r.validate, "ok");
  assert.match(r.masked, /^sk-p•{8}uvwx$/);
  assert.equal(r.isByok, true);
  assert.equal(r.get, true);
  assert.ok(["wasm", "webcrypto"].includes(r.backend));
  assert.equal(r.session.code, "storage_unavailable");
  assert.equal(r.local.code, "storage_unavailable");
  assert.deepEqual(r.warnings, []);
});

const FORMS = { url: "a URL", string: "a path string", response: "a fetch() promise", object: "{ module_or_path }", bytes: "an ArrayBuffer" };
for (const [mode, form] of Object.entries(FORMS)) {
  test(`init(${form}) in a Worker`, async () => {
    const r = await runWorker(mode);
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.before.code, "not_initialized");
    assert.equal(r.isByok, true);
    assert.deepEqual(r.warnings, [], "no deprecation warnings from the glue");
  });
}
