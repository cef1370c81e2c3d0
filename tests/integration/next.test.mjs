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
import { packTarball, installApp, run, startServer, freePort, exerciseKeySettings, OPENAI_KEY, INTEGRATION, ROOT } from "./lib.mjs";

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

test("the example has no Next.js configuration, and its dependencies are the ones this app tests", async () => {
  assert.match(await readFile(join(EXAMPLE, "next.config.ts"), "utf8"), /const nextConfig: NextConfig = \{\};/);
  const example = JSON.parse(await readFile(join(EXAMPLE, "package.json"), "utf8"));
  const app = JSON.parse(await readFile(join(APP, "package.json"), "utf8"));
  for (const [name, range] of Object.entries({ ...example.dependencies, ...example.devDependencies })) {
    if (name === "byok-keyring") continue;
    assert.equal(range, `^${app.devDependencies[name]}`, `examples/nextjs pins ${name} ${range}, the test app ${app.devDependencies[name]}`);
  }
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
      await exerciseKeySettings(assert, browser, `http://localhost:${port}/`, { serverCheck: true });
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
    await exerciseKeySettings(assert, browser, `http://localhost:${port}/`, { serverCheck: true });
    assert.doesNotMatch(server.output(), /Error|⨯/, "the dev server logged an error");
  } finally {
    await server.stop();
  }
  // The copied tsconfig.json is the example's: `next build` changed nothing in it.
  assert.deepEqual(JSON.parse(await readFile(join(APP, "tsconfig.json"), "utf8")), JSON.parse(await readFile(join(EXAMPLE, "tsconfig.json"), "utf8")));
});
