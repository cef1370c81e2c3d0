// A webpack 5 app (tests/integration/webpack) installs the packed tarball;
// a production build passes with no loader or experiment, picks the browser
// entry (no node: imports), and the built page runs create/set/isByok in
// headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { launch } from "../js/harness.mjs";
import { packTarball, installApp, run, serveDir, pageResult, assertAppResult, INTEGRATION } from "./lib.mjs";

const APP = join(INTEGRATION, "webpack");
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

test("webpack builds the app, and the built page runs create/set/isByok", async () => {
  const build = await run(join(APP, "node_modules/.bin/webpack"), [], { cwd: APP });
  const log = build.stdout + build.stderr;
  assert.match(log, /compiled (successfully|with \d+ warnings?)/);
  assert.doesNotMatch(log, /\bERROR\b|UnhandledSchemeError|Critical dependency/);
  const files = await readdir(join(APP, "dist"));
  assert.ok(files.some((f) => f.endsWith(".wasm")), `no .wasm in ${files}`);
  for (const js of files.filter((f) => f.endsWith(".js"))) {
    assert.doesNotMatch(await readFile(join(APP, "dist", js), "utf8"), /node:fs/, "the browser build pulled in node.js");
  }
  const server = await serveDir(join(APP, "dist"));
  try {
    assertAppResult(assert, await pageResult(browser, `${server.url}/`));
  } finally {
    await server.close();
  }
});
