// examples/plain-html: one HTML page, no bundler, the package installed next
// to it (the packed tarball) and named in an import map; served as static
// files and used in Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { launch } from "../js/harness.mjs";
import { packTarball, installTarballInTemp, serveDir, exerciseKeySettings, ROOT } from "./lib.mjs";

let pack, app, browser;
before(async () => {
  pack = await packTarball();
  app = await installTarballInTemp(pack.tarball);
  await copyFile(join(ROOT, "examples/plain-html/index.html"), join(app.dir, "index.html"));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await app?.cleanup();
  await pack?.cleanup();
});

test("examples/plain-html: the page creates a vault, stores a key and follows isByok and shouldDeductCredits", async () => {
  const server = await serveDir(app.dir);
  try {
    await exerciseKeySettings(assert, browser, `${server.url}/`);
  } finally {
    await server.close();
  }
});
