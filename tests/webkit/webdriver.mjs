// A tiny W3C WebDriver client for WebKitGTK: starts Debian's WebKitWebDriver
// on a free port, opens MiniBrowser through it, and speaks plain HTTP (fetch).
// MiniBrowser has no headless mode: run under `xvfb-run -a` (the Makefile's
// test-webkit does). Nothing is downloaded; a missing driver is an error, not
// a skip (scripts/setup.sh `test` installs it).
import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import net from "node:net";

export const DRIVER = process.env.WEBKIT_WEBDRIVER || "/usr/bin/WebKitWebDriver";
export const MINIBROWSER =
  process.env.WEBKIT_MINIBROWSER || "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";

/** The reason printed for every test that needs WebAuthn, when WebKit has none. */
export const NO_WEBAUTHN = "skipped in WebKit: no WebAuthn (PublicKeyCredential is undefined)";

async function mustExist(path, what) {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`${what} not found at ${path}: install Debian's webkit2gtk-driver (scripts/setup.sh test)`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts WebKitWebDriver and opens one MiniBrowser session.
 * Returns a session with `get(url)`, `run(body, ...args)` (an async function
 * body run in the page; `return` gives the result back), and `close()`.
 */
export async function openSession() {
  await mustExist(DRIVER, "WebKitWebDriver");
  await mustExist(MINIBROWSER, "MiniBrowser");
  if (!process.env.DISPLAY) throw new Error("no DISPLAY: run under xvfb-run -a (see the Makefile's test-webkit)");
  const port = await freePort();
  const driver = spawn(DRIVER, [`--port=${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let driverErr = "";
  driver.stderr.on("data", (d) => (driverErr += d));
  const exited = new Promise((resolve) => driver.on("exit", resolve));
  const base = `http://127.0.0.1:${port}`;

  async function call(method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) {
      const v = json.value ?? {};
      throw new Error(`WebDriver ${method} ${path}: ${v.error}: ${v.message}`);
    }
    return json.value;
  }

  const stop = async () => {
    if (driver.exitCode === null) {
      driver.kill();
      await exited;
    }
  };
  try {
    // The driver answers /status once it listens (a few hundred ms).
    for (let i = 0; ; i++) {
      if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited: ${driverErr}`);
      try {
        if ((await call("GET", "/status")).ready) break;
      } catch (e) {
        if (i > 100) throw new Error(`WebKitWebDriver did not start on port ${port}: ${e.message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const { sessionId } = await call("POST", "/session", {
      capabilities: {
        alwaysMatch: {
          browserName: "MiniBrowser",
          "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
        },
      },
    });
    const s = `/session/${sessionId}`;
    await call("POST", `${s}/timeouts`, { script: 60_000, pageLoad: 60_000 });
    return {
      get: (url) => call("POST", `${s}/url`, { url }),
      /** Runs `body` as an async function in the page, with `args`; returns its result. */
      run: (body, ...args) =>
        call("POST", `${s}/execute/async`, {
          script: `const done = arguments[arguments.length - 1];
            (async (...args) => { ${body} })(...Array.from(arguments).slice(0, -1))
              .then((v) => done({ ok: v }), (e) => done({ error: String(e && e.stack || e), code: e && e.code }));`,
          args,
        }).then((r) => {
          if ("error" in r) throw Object.assign(new Error(`in the page: ${r.error}`), { code: r.code });
          return r.ok;
        }),
      close: async () => {
        try {
          await call("DELETE", s);
        } finally {
          await stop();
        }
      },
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * For tests that need WebAuthn (passkeys): skips `t` with the reason printed
 * when the page has no `PublicKeyCredential` (Debian's WebKitGTK build has
 * none) and returns true; returns false when WebAuthn is there. Only this
 * WebKit runner uses it: in Chromium and Firefox WebAuthn is never skipped.
 */
export async function skipWithoutWebAuthn(t, session) {
  const kind = await session.run("return typeof PublicKeyCredential;");
  if (kind !== "undefined") return false;
  console.log(`${t.name}: ${NO_WEBAUTHN}`);
  t.skip(NO_WEBAUTHN);
  return true;
}
