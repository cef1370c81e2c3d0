// Shared by the package tests (tests/js/{pack,ssr,types}.test.mjs) and the
// integration apps (tests/integration/*.test.mjs): the packed tarball, an
// idempotent install of an app plus that tarball, a static server, a runner.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import http from "node:http";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PKG = join(ROOT, "pkg");
export const INTEGRATION = fileURLToPath(new URL("./", import.meta.url));

/** Runs a command; resolves with { code, stdout, stderr }, rejects on a non-zero exit (unless allowFail). */
export function run(cmd, args, { cwd = ROOT, env, allowFail = false, timeout = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => {
      clearTimeout(timer);
      const r = { code, stdout, stderr };
      if (code !== 0 && !allowFail) {
        reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited with ${code}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      } else resolve(r);
    });
  });
}

const NPM_FLAGS = ["--no-audit", "--no-fund", "--loglevel=error"];

/**
 * Makes sure pkg/ is the npm package: runs scripts/package.mjs when wasm-pack
 * has rewritten pkg/package.json since (or the wrapper sources changed).
 */
export async function ensurePackage() {
  if (!existsSync(join(PKG, "byok_keyring.js"))) throw new Error("pkg/ is not built: run `make build` first");
  const pj = JSON.parse(await readFile(join(PKG, "package.json"), "utf8"));
  const built = existsSync(join(PKG, "index.js")) ? statSync(join(PKG, "index.js")).mtimeMs : 0;
  const newest = Math.max(
    ...["js/index.js", "js/node.js", "js/index.d.ts", "js/react.js", "js/react.d.ts", "scripts/package.mjs", "pkg/byok_keyring.js"].map((f) => statSync(join(ROOT, f)).mtimeMs),
  );
  if (!pj.exports || built < newest) await run(process.execPath, [join(ROOT, "scripts/package.mjs")]);
}

/** `npm pack` of pkg/ into a fresh temporary directory: { tarball, files, dir, cleanup }. */
export async function packTarball() {
  await ensurePackage();
  const dir = await mkdtemp(join(tmpdir(), "byok-pack-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", dir, ...NPM_FLAGS], { cwd: PKG });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf("[")));
  return {
    tarball: join(dir, info.filename),
    files: info.files.map((f) => f.path).sort(),
    info,
    dir,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Installs an app's pinned devDependencies (npm ci, skipped while
 * node_modules matches package-lock.json) and then the packed tarball
 * (`npm install --no-save`, so neither package.json nor the lock changes).
 */
export async function installApp(appDir, tarball) {
  const lock = await readFile(join(appDir, "package-lock.json"));
  const stamp = createHash("sha256").update(lock).update(process.version).digest("hex");
  const stampFile = join(appDir, "node_modules", ".byok-install-stamp");
  const current = existsSync(stampFile) ? await readFile(stampFile, "utf8") : "";
  if (current !== stamp) {
    await run("npm", ["ci", "--prefer-offline", ...NPM_FLAGS], { cwd: appDir });
    await writeFile(stampFile, stamp);
  }
  await run("npm", ["install", "--no-save", "--prefer-offline", ...NPM_FLAGS, tarball], { cwd: appDir });
}

/** A new temporary directory holding the tarball installed: { dir, cleanup }. */
export async function installTarballInTemp(tarball) {
  const dir = await mkdtemp(join(tmpdir(), "byok-ssr-"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "ssr-check", private: true, type: "module" }));
  await run("npm", ["install", "--offline", ...NPM_FLAGS, tarball], { cwd: dir });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css",
};

/** Serves `dir` on 127.0.0.1 (a random port), index.html for "/", with extra response `headers`. */
export async function serveDir(dir, headers = {}) {
  const server = http.createServer(async (req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path.includes("..")) return res.writeHead(400).end();
    if (path.endsWith("/")) path += "index.html";
    try {
      const body = await readFile(join(dir, path));
      res.writeHead(200, { ...headers, "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** A test API key of the right shape per provider (not a real key). */
export const OPENAI_KEY = "sk-proj-" + "A1b2C3d4_-".repeat(7) + "abcd" + "T3BlbkFJ" + "z9Y8x7W6v5".repeat(7) + "uvwx";

/** Opens `url` in a new page of `browser` and returns the page's `window.__result`, with console lines and failed requests. */
export async function pageResult(browser, url) {
  const page = await browser.newPage();
  const consoleLines = [];
  const failed = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) failed.push(`${r.status()} ${r.url()}`); });
  try {
    await page.goto(url);
    const result = await page.waitForFunction(() => window.__result, null, { timeout: 30_000 }).then((h) => h.jsonValue());
    return { result, consoleLines, failed };
  } finally {
    await page.close();
  }
}

/** What the integration apps' pages report (src/main.ts, src/index.js). */
export function assertAppResult(assert, { result, consoleLines, failed }) {
  assert.equal(result.error, undefined, result.error);
  assert.equal(result.before, "not_initialized");
  assert.equal(result.valid, true);
  assert.equal(result.state, "unlocked");
  assert.equal(result.isByok, true);
  assert.equal(result.deduct, false);
  assert.match(result.masked, /^sk-p•{8}uvwx$/);
  assert.equal(result.stored, true);
  assert.ok(["wasm", "webcrypto"].includes(result.backend));
  assert.deepEqual(failed, [], "failed requests");
  assert.ok(!consoleLines.some((l) => l.includes("A1b2C3d4_")), "key in console output");
  assert.ok(!consoleLines.some((l) => /error/i.test(l)), `console errors: ${consoleLines.join("\n")}`);
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const s = http.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Starts a server command in its own process group and waits until `url`
 * answers (any HTTP status): { output(), stop() }. stop() ends that group.
 */
export async function startServer(cmd, args, { cwd, env, url, timeout = 120_000 }) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  let exited = null;
  child.on("exit", (code) => (exited = code ?? "signal"));
  const stop = () => new Promise((resolve) => {
    if (exited !== null) return resolve();
    child.once("exit", () => resolve());
    try { process.kill(-child.pid, "SIGTERM"); } catch { resolve(); }
    setTimeout(() => { try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ } }, 5_000).unref();
  });
  const deadline = Date.now() + timeout;
  for (;;) {
    if (exited !== null) throw new Error(`${cmd} ${args.join(" ")} exited with ${exited}:\n${output}`);
    if (Date.now() > deadline) { await stop(); throw new Error(`${cmd} ${args.join(" ")} did not answer at ${url}:\n${output}`); }
    try {
      await fetch(url, { signal: AbortSignal.timeout(60_000) });
      return { output: () => output, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * The examples' key settings (examples/nextjs/app/key-settings.tsx,
 * examples/react-vite/src/KeySettings.jsx), used as a person would: create a
 * vault, store an OpenAI key, lock, unlock, remove; the byok and credit lines
 * must follow each step, with no console error and no key in the console.
 */
export async function exerciseKeySettings(assert, browser, url, { serverCheck = false } = {}) {
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
    await page.goto(url);
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
    if (serverCheck) {
      await page.getByRole("button", { name: "Check on the server" }).click();
      await until("#server-check", /sk-p•{8}uvwx: ok, credits not deducted/);
    }
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
  const errors = consoleLines.filter((l) => /error/i.test(l) && !/404 \(Not Found\) \(http:\/\/[^/]+\/favicon\.ico\)$/.test(l));
  assert.deepEqual(errors, [], "console errors");
}
