// byok-keyring/react in a Vite React app (tests/integration/vite-react, the
// packed tarball installed): the hooks under StrictMode on the dev server
// (where effects run twice), and examples/react-vite built with `vite build`
// and used in Chromium under a strict CSP.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { launch } from "../js/harness.mjs";
import { packTarball, installApp, run, serveDir, startServer, freePort, exerciseKeySettings, OPENAI_KEY, INTEGRATION, ROOT } from "./lib.mjs";

const APP = join(INTEGRATION, "vite-react");
const EXAMPLE = join(ROOT, "examples/react-vite");
const COPY = join(APP, "example");
const VITE = join(APP, "node_modules/.bin/vite");
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";
let pack, browser;

before(async () => {
  pack = await packTarball();
  await installApp(APP, pack.tarball);
  browser = await launch();
}, { timeout: 300_000 });
after(async () => {
  await browser?.close();
  await pack?.cleanup();
});

test("the example's dependencies are the ones this app tests", async () => {
  const example = JSON.parse(await readFile(join(EXAMPLE, "package.json"), "utf8"));
  const app = JSON.parse(await readFile(join(APP, "package.json"), "utf8"));
  for (const [name, range] of Object.entries({ ...example.dependencies, ...example.devDependencies })) {
    if (name === "byok-keyring") continue;
    assert.equal(range, `^${app.devDependencies[name]}`, `examples/react-vite pins ${name} ${range}, the test app ${app.devDependencies[name]}`);
  }
});

test("examples/react-vite: vite build, then the page creates a vault, stores a key and follows isByok", async () => {
  await rm(COPY, { recursive: true, force: true });
  for (const f of ["index.html", "src", "vite.config.js"]) await cp(join(EXAMPLE, f), join(COPY, f), { recursive: true });
  const build = await run(VITE, ["build", COPY], { cwd: APP, env: { NO_COLOR: "1" } });
  assert.doesNotMatch(build.stdout + build.stderr, /externalized for browser compatibility|\bnode:fs/);
  const assets = await readdir(join(COPY, "dist/assets"));
  assert.ok(assets.some((f) => /^byok_keyring_bg-.*\.wasm$/.test(f)), `no .wasm in ${assets}`);
  for (const js of assets.filter((f) => f.endsWith(".js"))) {
    assert.doesNotMatch(await readFile(join(COPY, "dist/assets", js), "utf8"), /node:fs/, "the browser build pulled in node.js");
  }
  const server = await serveDir(join(COPY, "dist"), { "content-security-policy": CSP });
  try {
    await exerciseKeySettings(assert, browser, `${server.url}/`);
  } finally {
    await server.close();
  }
});

test("the hooks under StrictMode (vite dev): one keyring, freed on unmount and when options change; useByok and useKeys follow every change", { timeout: 300_000 }, async () => {
  const port = await freePort();
  const server = await startServer(VITE, ["--host", "127.0.0.1", "--port", String(port), "--strictPort"], { cwd: APP, env: { NO_COLOR: "1" }, url: `http://127.0.0.1:${port}/` });
  const page = await browser.newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()} (${m.location().url})`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  const probe = (f, arg) => page.evaluate(f, arg);
  const until = (f, arg) => page.waitForFunction(f, arg, { timeout: 30_000 });
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    await until(() => window.__probe?.state === "empty");
    assert.equal(await probe(() => window.__renders[0].state), "loading");
    // StrictMode ran the effect twice: still exactly one keyring.
    assert.equal(await probe(() => window.__live()), 1, "StrictMode left a second keyring alive");

    await probe(() => window.__probe.keyring.create("correct horse battery"));
    await until(() => window.__probe.state === "unlocked");

    // Each change re-renders with no other cause.
    await probe((key) => window.__probe.keyring.set("openai", key), OPENAI_KEY);
    await until(() => window.__probe.byok === true && window.__probe.keys.length === 1);
    assert.equal(await probe(() => window.__probe.keys[0].masked), "sk-p••••••••uvwx");
    await probe(() => window.__probe.keyring.setEnabled("openai", false));
    await until(() => window.__probe.byok === false);
    await probe(() => window.__probe.keyring.setEnabled("openai", true));
    await until(() => window.__probe.byok === true);
    await probe(() => { window.__keys = window.__probe.keys; window.__probe.keyring.lock(); });
    await until(() => window.__probe.byok === false && window.__probe.state === "locked");
    await probe(() => window.__probe.keyring.unlock("correct horse battery"));
    await until(() => window.__probe.byok === true && window.__probe.state === "unlocked");
    // Lock and unlock change no key: useKeys keeps the same array (safe as a dependency).
    assert.equal(await probe(() => window.__probe.keys === window.__keys), true, "useKeys gave a new array for the same keys");

    // A re-render with an equal options object: the same keyring, the same keys array.
    await probe(() => { window.__before = window.__probe; window.__controls.rerender(); });
    await until(() => window.__probe !== window.__before);
    assert.equal(await probe(() => window.__probe.keyring === window.__before.keyring), true, "equal options made a new keyring");
    assert.equal(await probe(() => window.__probe.keys === window.__before.keys), true, "useKeys gave a new array with nothing changed");
    assert.equal(await probe(() => window.__live()), 1);

    await probe(() => window.__probe.keyring.remove("openai"));
    await until(() => window.__probe.byok === false && window.__probe.keys.length === 0);

    // A key that expires: the hooks re-render when it does, with no call and no event.
    await probe((key) => window.__probe.keyring.set("openai", key, { expiresInMs: 1500 }), OPENAI_KEY);
    await until(() => window.__probe.byok === true);
    await until(() => window.__probe.byok === false && window.__probe.keys[0]?.expired === true);

    // Other options: the old keyring is freed, a new one opened.
    await probe(() => { window.__old = window.__probe.keyring; window.__controls.setNamespace("b"); });
    await until(() => window.__probe.keyring && window.__probe.keyring !== window.__old);
    assert.equal(await probe(() => window.__probe.state), "empty");
    assert.equal(await probe(() => window.__old.__wbg_ptr), 0, "the keyring of the old options was not freed");
    assert.equal(await probe(() => window.__live()), 1);

    await probe(() => window.__controls.setShown(false));
    await until(() => document.getElementById("out").textContent === "unmounted");
    assert.equal(await probe(() => window.__live()), 0, "unmount left the keyring alive");
  } finally {
    await page.close();
    await server.stop();
  }
  assert.ok(!consoleLines.some((l) => l.includes("A1b2C3d4_")), "key in console output");
  // The page has no favicon: the browser's own request for one is the only miss allowed.
  assert.deepEqual(consoleLines.filter((l) => /error|warn/i.test(l) && !/\/favicon\.ico\)$/.test(l)), [], "console errors or warnings");
});
