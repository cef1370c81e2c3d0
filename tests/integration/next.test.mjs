// examples/nextjs (an App Router app, copied into tests/integration/next,
// where Next.js and React are installed with the packed tarball) with no
// Next.js configuration: `next build` with Turbopack (the default) and with
// webpack, each served by `next start`, and `next dev`. In the browser, the
// Client Component (byok-keyring/react) creates a vault, stores a key and
// shows isByok / shouldDeductCredits; on the server, a Server Component and a
// route handler call `await init()` and use validate, mask and a "memory"
// keyring.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { launch } from "../js/harness.mjs";
import { packTarball, installApp, run, startServer, freePort, OPENAI_KEY, INTEGRATION, ROOT } from "./lib.mjs";

const APP = join(INTEGRATION, "next");
const EXAMPLE = join(ROOT, "examples/nextjs");
const NEXT = join(APP, "node_modules/.bin/next");
const ENV = { NEXT_TELEMETRY_DISABLED: "1", NO_COLOR: "1", PLATFORM_OPENAI_KEY: OPENAI_KEY };
const MASKED = "sk-p••••••••uvwx";
let pack, browser;

before(async () => {
  pack = await packTarball();
  await installApp(APP, pack.tarball);
  // The example's source, as a newcomer would copy it (no Next.js config).
  for (const f of ["app", "lib", "next.config.ts", "tsconfig.json", ".next", "next-env.d.ts"]) {
    await rm(join(APP, f), { recursive: true, force: true });
  }
  for (const f of ["app", "lib", "next.config.ts", "tsconfig.json"]) {
    await cp(join(EXAMPLE, f), join(APP, f), { recursive: true });
  }
  browser = await launch();
}, { timeout: 300_000 });
after(async () => {
  await browser?.close();
  await pack?.cleanup();
});

/** The server side: the Server Component's HTML and the route handler's answers. */
async function checkServer(base) {
  const html = await (await fetch(`${base}/`)).text();
  assert.match(html, /Platform OpenAI key \(checked on the server\):(<!-- -->| )*sk-p•{8}uvwx \(valid\)/, "the Server Component did not validate and mask the key");
  assert.ok(!html.includes("A1b2C3d4_-A1b2"), "the Server Component sent the key to the browser");
  const check = async (body) => {
    const res = await fetch(`${base}/api/check-key`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    return res.json();
  };
  assert.deepEqual(await check({ provider: "openai", key: OPENAI_KEY, feature: "chat" }), { valid: true, code: "ok", masked: MASKED, byok: true, deduct: false });
  assert.deepEqual(await check({ provider: "openai", key: OPENAI_KEY, feature: "deep-analysis" }), { valid: true, code: "ok", masked: MASKED, byok: true, deduct: true });
  const bad = await check({ provider: "openai", key: "sk-short" });
  assert.equal(bad.valid, false);
  assert.equal(bad.code, "too_short");
}

/** The browser side, through the page as a user sees it. */
async function checkBrowser(base) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleLines = [];
  const failed = [];
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()} (${m.location().url})`));
  page.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
  });
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${base}/`);
    const text = (sel) => page.locator(sel).innerText();
    const until = (sel, re) => page.waitForFunction(([s, r]) => new RegExp(r).test(document.querySelector(s)?.textContent ?? ""), [sel, re.source], { timeout: 60_000 });
    await until("#status", /Vault: empty/);
    assert.match(await text("#byok"), /platform's credits\. Credits deducted for chat: yes/);
    await page.getByLabel("Passphrase").fill("correct horse battery");
    await page.getByRole("button", { name: "Create vault" }).click();
    await until("#status", /Vault: unlocked/);

    await page.getByLabel("OpenAI key").fill("sk-proj-short");
    await until("#feedback", /./);
    assert.equal(await page.getByRole("button", { name: "Save" }).isDisabled(), true);
    await page.getByLabel("OpenAI key").fill(OPENAI_KEY);
    await page.getByRole("button", { name: "Check on the server" }).click();
    await until("#server-check", /sk-p•{8}uvwx: ok, credits not deducted/);
    await page.getByRole("button", { name: "Save" }).click();
    // useByok and useKeys re-render after set(); shouldDeductCredits follows.
    await until("#byok", /your key\. Credits deducted for chat: no; for deep analysis: yes/);
    assert.match(await text("#keys"), /OpenAI: sk-p•{8}uvwx/);

    await page.getByRole("button", { name: "Lock" }).click();
    await until("#status", /Vault: locked/);
    await until("#byok", /platform's credits/);
    await page.getByLabel("Passphrase").fill("correct horse battery");
    await page.getByRole("button", { name: "Unlock" }).click();
    await until("#byok", /your key/);
    await page.getByRole("button", { name: "Remove" }).click();
    await until("#byok", /platform's credits/);
    assert.equal(await text("#keys"), "");
  } finally {
    await context.close();
  }
  assert.ok(!consoleLines.some((l) => l.includes("A1b2C3d4_")), "key in console output");
  assert.deepEqual(failed, [], "failed requests");
  // The example has no favicon: the browser's own request for one is the only miss allowed.
  const errors = consoleLines.filter((l) => /error/i.test(l) && !/404 \(Not Found\) \(http:\/\/localhost:\d+\/favicon\.ico\)$/.test(l));
  assert.deepEqual(errors, [], "console errors");
}

for (const bundler of ["turbopack", "webpack"]) {
  test(`next build (${bundler}) and next start: the page, the Server Component and the route handler, with no configuration`, { timeout: 600_000 }, async () => {
    await rm(join(APP, ".next"), { recursive: true, force: true });
    const build = await run(NEXT, ["build", `--${bundler}`], { cwd: APP, env: ENV, timeout: 600_000 });
    const log = build.stdout + build.stderr;
    assert.match(log, bundler === "webpack" ? /Next\.js 16\.\d+\.\d+ \(webpack\)/ : /Next\.js 16\.\d+\.\d+ \(Turbopack\)/);
    assert.doesNotMatch(log, /Critical dependency|Module not found|⚠ Compiled with warnings/);
    const port = await freePort();
    const server = await startServer(NEXT, ["start", "-p", String(port)], { cwd: APP, env: ENV, url: `http://localhost:${port}/api/check-key` });
    try {
      await checkServer(`http://localhost:${port}`);
      await checkBrowser(`http://localhost:${port}`);
      assert.doesNotMatch(server.output(), /Error|⨯/, "the server logged an error");
    } finally {
      await server.stop();
    }
  });
}

test("next dev serves the same page (opened on localhost)", { timeout: 600_000 }, async () => {
  const port = await freePort();
  const server = await startServer(NEXT, ["dev", "-p", String(port)], { cwd: APP, env: ENV, url: `http://localhost:${port}/api/check-key` });
  try {
    await checkServer(`http://localhost:${port}`);
    await checkBrowser(`http://localhost:${port}`);
    assert.doesNotMatch(server.output(), /Error|⨯/, "the dev server logged an error");
  } finally {
    await server.stop();
  }
  // The copied tsconfig.json is the example's: `next build` changed nothing in it.
  assert.deepEqual(JSON.parse(await readFile(join(APP, "tsconfig.json"), "utf8")), JSON.parse(await readFile(join(EXAMPLE, "tsconfig.json"), "utf8")));
});
