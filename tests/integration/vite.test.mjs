// A vanilla TypeScript Vite 8 app (tests/integration/vite) installs the packed
// tarball; `tsc --noEmit` and `vite build` pass, and the built page runs
// create/set/isByok in headless Chromium. The dev server serves it too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { launch } from "../js/harness.mjs";
import { packTarball, installApp, run, serveDir, pageResult, assertAppResult, freePort, INTEGRATION } from "./lib.mjs";

const APP = join(INTEGRATION, "vite");
const bin = (name) => join(APP, "node_modules/.bin", name);
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

// The strictest policy the package needs: no 'unsafe-eval', only 'wasm-unsafe-eval'.
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";

test("tsc --noEmit and vite build, then the built page runs create/set/isByok under a strict CSP", async () => {
  await run(bin("tsc"), ["--noEmit", "-p", "."], { cwd: APP });
  const build = await run(bin("vite"), ["build"], { cwd: APP });
  assert.doesNotMatch(build.stdout + build.stderr, /externalized for browser compatibility|\bnode:fs/);
  const assets = await readdir(join(APP, "dist/assets"));
  assert.ok(assets.some((f) => /^byok_keyring_bg-.*\.wasm$/.test(f)), `no .wasm in ${assets}`);
  for (const js of assets.filter((f) => f.endsWith(".js"))) {
    assert.doesNotMatch(await readFile(join(APP, "dist/assets", js), "utf8"), /node:fs/, "the browser build pulled in node.js");
  }
  const server = await serveDir(join(APP, "dist"), { "content-security-policy": CSP });
  try {
    assertAppResult(assert, await pageResult(browser, `${server.url}/`));
  } finally {
    await server.close();
  }
});

test("the Vite dev server serves the app with no extra configuration", async () => {
  const port = await freePort();
  // NO_COLOR: with CI=true in the environment, Vite colours its output and
  // the port would be wrapped in escape codes.
  const dev = spawn(bin("vite"), ["--host", "127.0.0.1", "--port", String(port), "--strictPort"], {
    cwd: APP,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  let output = "";
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`vite dev did not start:\n${output}`)), 30_000);
      const onData = (d) => {
        output += String(d).replace(/\u001b\[[0-9;]*m/g, "");
        if (output.includes(`:${port}`)) { clearTimeout(timer); resolve(); }
      };
      dev.stdout.on("data", onData);
      dev.stderr.on("data", onData);
      dev.on("exit", (code) => { clearTimeout(timer); reject(new Error(`vite dev exited with ${code}:\n${output}`)); });
    });
    assertAppResult(assert, await pageResult(browser, `http://127.0.0.1:${port}/`));
  } finally {
    dev.removeAllListeners("exit");
    dev.kill();
  }
});
