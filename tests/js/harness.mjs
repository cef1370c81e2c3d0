// Shared by the browser end-to-end tests: a static file server for the
// repository (so pages can import /pkg/byok_keyring.js) and Debian's Chromium
// driven by playwright-core. No browser is downloaded.
import http from "node:http";
import { before, after } from "node:test";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css",
};

/** Serves the repository root on 127.0.0.1 (a random port). */
export async function serveRepo() {
  const server = http.createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (path.includes("..")) return res.writeHead(400).end();
    try {
      const body = await readFile(join(ROOT, path));
      // CORS for every response: the sandboxed-iframe test loads the package
      // from an opaque origin (tests/js/storage-faults.test.mjs).
      res.writeHead(200, {
        "content-type": TYPES[extname(path)] ?? "application/octet-stream",
        "access-control-allow-origin": "*",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run",
];

/** Launches Debian's Chromium (or $CHROMIUM). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
}

/**
 * The setup most test files share: registers the file's `before` (the
 * repository served, one Chromium) and `after` (both closed), and returns
 * `{ server, browser }`, filled in once `before` has run.
 */
export function servedChromium() {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    env.server = await serveRepo();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    env.server?.close();
  });
  return env;
}

/** Chromium's virtual authenticator with the WebAuthn PRF extension (the
 *  DevTools protocol's WebAuthn.addVirtualAuthenticator options). */
export const VIRTUAL_AUTHENTICATOR = {
  protocol: "ctap2",
  transport: "internal",
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  hasPrf: true,
  automaticPresenceSimulation: true,
};

/** Gives `page` (of browser context `context`) a virtual authenticator,
 *  `options` overriding VIRTUAL_AUTHENTICATOR: { cdp, authenticatorId }. */
export async function addAuthenticator(context, page, options = {}) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { ...VIRTUAL_AUTHENTICATOR, ...options },
  });
  return { cdp, authenticatorId };
}
