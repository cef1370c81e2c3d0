// A tiny W3C WebDriver client (plain HTTP with fetch) for the browsers that
// Playwright does not drive from Debian's packages: WebKitGTK (Debian's
// WebKitWebDriver and MiniBrowser; no headless mode, so run under `xvfb-run
// -a` as the Makefile's test-webkit does) and Firefox ESR (geckodriver, from
// crates.io, with Firefox headless). It starts the driver on a free port,
// opens one browser session, and stops the driver afterwards. Nothing is
// downloaded; a missing driver or browser is an error, not a skip
// (scripts/setup.sh `test` installs them).
import { spawn } from "node:child_process";
import { accessSync } from "node:fs";
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import net from "node:net";

/** `name`'s path in PATH (the Makefile's PATH includes ~/.cargo/bin), or `name`. */
function inPath(name) {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return name;
}

/** How each browser is reached: its driver, its binary and the session's capabilities. */
export const BROWSERS = {
  webkit: {
    name: "WebKit",
    driver: process.env.WEBKIT_WEBDRIVER || "/usr/bin/WebKitWebDriver",
    driverName: "WebKitWebDriver",
    binary: process.env.WEBKIT_MINIBROWSER || "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
    binaryName: "MiniBrowser",
    install: "install Debian's webkit2gtk-driver (scripts/setup.sh test)",
    needsDisplay: true,
    capabilities: (binary) => ({
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary, args: ["--automation"] },
    }),
  },
  firefox: {
    name: "Firefox",
    driver: process.env.GECKODRIVER || inPath("geckodriver"),
    driverName: "geckodriver",
    binary: process.env.FIREFOX_BINARY || "/usr/bin/firefox-esr",
    binaryName: "Firefox ESR",
    install: "install Debian's firefox-esr and geckodriver from crates.io (scripts/setup.sh test)",
    needsDisplay: false,
    capabilities: (binary) => ({
      browserName: "firefox",
      "moz:firefoxOptions": {
        binary,
        args: ["-headless"],
        // WebAuthn through Firefox's software authenticator, where WebDriver's
        // virtual authenticators live, instead of waiting for a USB key.
        prefs: {
          "security.webauth.webauthn_enable_softtoken": true,
          "security.webauth.webauthn_enable_usbtoken": false,
        },
      },
    }),
  },
};

/** The reason printed for every test that needs WebAuthn, when WebKit has none. */
export const NO_WEBAUTHN = "skipped in WebKit: no WebAuthn (PublicKeyCredential is undefined)";

async function mustExist(path, what, install) {
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`${what} not found at ${path}: ${install}`);
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
 * Starts the driver of `browser` ("webkit" or "firefox", a key of BROWSERS)
 * and opens one session. Returns a session with `get(url)`, `run(body,
 * ...args)` (an async function body run in the page; `return` gives the
 * result back), and `close()`.
 */
export async function openSession(browser) {
  const b = BROWSERS[browser];
  if (!b) throw new Error(`openSession: no browser ${browser}; one of ${Object.keys(BROWSERS).join(", ")}`);
  await mustExist(b.driver, b.driverName, b.install);
  await mustExist(b.binary, b.binaryName, b.install);
  if (b.needsDisplay && !process.env.DISPLAY) {
    throw new Error(`no DISPLAY for ${b.name}: run under xvfb-run -a (see the Makefile's test-webkit)`);
  }
  const port = await freePort();
  const driver = spawn(b.driver, [`--port=${port}`], { stdio: ["ignore", "ignore", "pipe"] });
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
      if (driver.exitCode !== null) throw new Error(`${b.driverName} exited: ${driverErr}`);
      try {
        if ((await call("GET", "/status")).ready) break;
      } catch (e) {
        if (i > 100) throw new Error(`${b.driverName} did not start on port ${port}: ${e.message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const { sessionId } = await call("POST", "/session", {
      capabilities: { alwaysMatch: b.capabilities(b.binary) },
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
              .then((v) => done({ ok: v }), (e) => done({ error: String(e) + (e && e.stack ? "\\n" + e.stack : ""), code: e && e.code }));`,
          args,
        }).then((r) => {
          if ("error" in r) throw Object.assign(new Error(`in the page: ${r.error}`), { code: r.code });
          return r.ok;
        }),
      /**
       * Adds a virtual WebAuthn authenticator to the session (the WebAuthn
       * spec's WebDriver extension); returns its id.
       */
      addVirtualAuthenticator: (options) => call("POST", `${s}/webauthn/authenticator`, options),
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
 * none) and returns true; returns false when WebAuthn is there. In Chromium
 * and Firefox WebAuthn is never skipped: `suite.mjs` asserts it is there.
 */
export async function skipWithoutWebAuthn(t, session) {
  const kind = await session.run("return typeof PublicKeyCredential;");
  if (kind !== "undefined") return false;
  console.log(`${t.name}: ${NO_WEBAUTHN}`);
  t.skip(NO_WEBAUTHN);
  return true;
}
