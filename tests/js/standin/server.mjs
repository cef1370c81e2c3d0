// A local stand-in for every provider's key-check endpoint, so tests (and the
// demo) exercise `verify` without contacting a real provider.
//
//   node tests/js/standin/server.mjs     # http://127.0.0.1:8787 (PORT, SCENARIO env)
//
// URLs are  /<scenario>/<provider><endpoint path>  or  /<provider><endpoint path>
// (the default scenario, "valid" unless SCENARIO says otherwise), so the
// library's `baseUrl` option is  http://127.0.0.1:8787/<scenario>/<provider>.
//
// Like the real providers it: answers CORS preflights, allowing only the
// provider's auth headers plus content-type and accept (any other header, such
// as an SDK's x-stainless-*, makes the browser refuse the call); checks the
// method, the path and the exact auth headers; and answers per scenario:
// valid 200, invalid_key (the provider's own "bad key" answer: 401, Gemini's
// 400 API_KEY_INVALID, Bedrock's 403 "Authentication failed", Cohere's
// {"valid": false}), unauthorized 401, forbidden 403, no_credit 402,
// rate_limited 429, provider_error 500, not_found 404, timeout (never
// answers), network_error (closes the connection), cors (refuses the
// preflight), redirect (a 307 to the same endpoint under /valid/, so a
// client that follows redirects sends the key again; with the `redirectTo`
// option, to that other origin, such as a second stand-in), and hold (the answer
// waits until the test calls release(): a check that is still running at a
// moment the test chooses, with no sleep). GET /page.html is a
// blank page on the stand-in's own origin, for same-origin tests. Requests
// are recorded in memory for the tests; nothing is logged but method, path
// and status (never a header, so never a key). Node's standard library only.

import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PROVIDERS, SCENARIOS, DEFAULT_ANSWERS, COMMON_ALLOWED } from "./providers.mjs";

export { PROVIDERS, SCENARIOS, SAMPLE_KEYS } from "./providers.mjs";

/** Every header that carries a key or an auth setting for some provider. */
const AUTH_HEADER_NAMES = [
  ...new Set(Object.values(PROVIDERS).flatMap((p) => Object.keys(p.auth("k")))),
];

const cors = { "access-control-allow-origin": "*" };

/**
 * A scenario for tests only (not in SCENARIOS, which maps each answer to a
 * verify code): the request is recorded, and its answer waits until
 * `release(answer)`.
 */
export const HOLD = "hold";
const isScenario = (s) => s in SCENARIOS || s === HOLD;

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** The key in the request's auth header, if the header has the right shape. */
function keyFrom(spec, headers) {
  const [name] = Object.keys(spec.auth("k"));
  const value = headers[name];
  if (typeof value !== "string") return undefined;
  if (spec.auth("k")[name] === "Bearer k") return /^Bearer (\S+)$/.exec(value)?.[1];
  return value;
}

/** What is wrong with an actual (non-preflight) request, as short texts. */
function problemsOf(spec, req, url) {
  const problems = [];
  if (req.method !== spec.method) problems.push(`method ${req.method}, expected ${spec.method}`);
  if (url.search) problems.push("a query string (the key must never be in the URL)");
  const key = keyFrom(spec, req.headers);
  if (!key) return [...problems, "no key in the expected auth header"];
  const expected = spec.auth(key);
  for (const [name, value] of Object.entries(expected)) {
    if (req.headers[name] !== value) problems.push(`header ${name} missing or not exactly as required`);
  }
  for (const name of AUTH_HEADER_NAMES) {
    if (!(name in expected) && name in req.headers) problems.push(`unexpected header ${name}`);
  }
  if (decodeURIComponent(req.url).includes(key)) problems.push("the key is in the URL");
  return problems;
}

/**
 * Starts the stand-in. Options: port (0 = any free port), host, scenario (the
 * default when the URL names none), log (one line per request, or null),
 * redirectTo (the origin the "redirect" scenario sends clients to; default
 * this stand-in's own).
 * Resolves to { url, baseUrl(provider, scenario?), requests, preflights,
 * waitForRequest(match?), release(answer?), setScenario(name), reset(),
 * close() }. `requests` / `preflights` hold what arrived, headers included
 * (in memory only, for assertions).
 */
export async function startStandin({ port = 0, host = "127.0.0.1", scenario = "valid", log = null, redirectTo = "" } = {}) {
  if (!isScenario(scenario)) throw new Error(`unknown scenario ${scenario}`);
  const requests = [];
  const preflights = [];
  const hanging = new Set();
  const held = []; // { entry, res, answer(scenario) } of "hold" requests not yet released
  const waiters = []; // { match, resolve } of waitForRequest calls not yet satisfied

  const handle = (req, res) => {
    const url = new URL(req.url, "http://standin");
    const segments = url.pathname.split("/").slice(1);
    let current = scenario;
    if (isScenario(segments[0])) current = segments.shift();
    const provider = segments.shift();
    const spec = Object.hasOwn(PROVIDERS, provider ?? "") ? PROVIDERS[provider] : undefined;
    const endpoint = "/" + segments.join("/");
    const note = (status) => log?.(`${req.method} ${url.pathname} -> ${status}`);

    if (url.pathname === "/page.html") {
      note(200);
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return res.end("<!doctype html><meta charset=\"utf-8\"><title>stand-in origin</title>");
    }

    if (!spec || spec.unsupported || endpoint !== spec.path) {
      note(404);
      return sendJson(res, 404, { error: { message: "stand-in: no such endpoint" } }, cors);
    }

    if (req.method === "OPTIONS") {
      const requestHeaders = (req.headers["access-control-request-headers"] ?? "")
        .split(",").map((h) => h.trim().toLowerCase()).filter(Boolean);
      const allowed = [...Object.keys(spec.auth("k")), ...COMMON_ALLOWED];
      const refused = req.headers["access-control-request-method"] !== spec.method
        || requestHeaders.some((h) => !allowed.includes(h));
      preflights.push({ scenario: current, provider, method: req.headers["access-control-request-method"], requestHeaders, refused });
      if (current === "network_error") { note("closed"); return req.socket.destroy(); }
      if (current === "cors") { note(204); return res.writeHead(204).end(); } // no CORS headers: refused
      note(204);
      // A refused preflight still names what is allowed; the browser then
      // refuses the call because a requested header is not in the list.
      return res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": spec.method,
        "access-control-allow-headers": allowed.join(", "),
        "access-control-max-age": "0",
      }).end();
    }

    const entry = {
      scenario: current, provider, method: req.method, path: endpoint,
      url: req.url, headers: { ...req.headers }, problems: problemsOf(spec, req, url),
    };
    requests.push(entry);
    for (const w of waiters.splice(0)) {
      if (w.match(entry)) w.resolve(entry);
      else waiters.push(w);
    }
    req.resume();
    if (current === "network_error") { note("closed"); return req.socket.destroy(); }
    if (current === "timeout") { note("hang"); hanging.add(res); res.on("close", () => hanging.delete(res)); return; }
    if (current === HOLD) {
      note("held");
      hanging.add(res);
      res.on("close", () => hanging.delete(res));
      held.push({ res, answer });
      return;
    }
    if (current === "redirect") {
      note(307);
      return res.writeHead(307, { ...cors, location: `${redirectTo}/valid/${provider}${endpoint}` }).end();
    }
    answer(current);

    function answer(which) {
      // "cors": a provider that does not allow web pages. Only clients that
      // skip CORS (Node, a server) get here; they get a normal answer.
      const headers = which === "cors" ? {} : { ...cors };
      const name = which === "cors" ? "valid" : which;
      if (entry.problems.length) {
        note(400);
        return sendJson(res, 400, { error: { message: `stand-in: ${entry.problems.join("; ")}` } }, headers);
      }
      const [status, body] = spec.answers?.[name] ?? DEFAULT_ANSWERS[name];
      if (status === 429) headers["retry-after"] = "1";
      note(status);
      sendJson(res, status, body, headers);
    }
  };
  const server = http.createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      log?.(`stand-in error: ${e.message}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: { message: "stand-in: internal error" } }, cors);
    }
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const url = `http://${host}:${server.address().port}`;
  return {
    url,
    /** The `baseUrl` that sends `provider`'s check to this stand-in. */
    baseUrl: (provider, which) => (which ? `${url}/${which}/${provider}` : `${url}/${provider}`),
    requests,
    preflights,
    /**
     * The first request (already recorded or still to come) for which
     * `match(entry)` is true: waits for the event itself, with no sleep.
     */
    waitForRequest(match = () => true) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    /**
     * Answers every held ("hold") request with `answer`'s answer (a scenario
     * with an answer: valid, invalid_key, …); a request whose client has
     * gone (an aborted check) gets nothing. Returns how many were held.
     */
    release(answer = "valid") {
      if (!(answer in DEFAULT_ANSWERS)) throw new Error(`release: ${answer} has no answer`);
      const released = held.splice(0);
      for (const h of released) if (!h.res.destroyed) h.answer(answer);
      return released.length;
    },
    /** Sets the scenario of URLs that name none; returns the previous one. */
    setScenario(name) {
      if (!isScenario(name)) throw new Error(`unknown scenario ${name}`);
      const previous = scenario;
      scenario = name;
      return previous;
    },
    /** Forgets what was recorded. */
    reset() { requests.length = 0; preflights.length = 0; },
    close() {
      for (const res of hanging) res.destroy();
      return new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}

// Run standalone: `node tests/js/standin/server.mjs`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const scenario = process.env.SCENARIO || "valid";
  const s = await startStandin({
    port: Number(process.env.PORT || 8787),
    scenario,
    log: (line) => console.log(line),
  });
  console.log(`Provider stand-in on ${s.url}`);
  console.log(`  verify(provider, key, { baseUrl: "${s.url}/<scenario>/<provider>" })`);
  console.log(`  scenarios: ${Object.keys(SCENARIOS).join(", ")} (default: ${scenario})`);
  console.log(`  providers: ${Object.keys(PROVIDERS).filter((p) => !PROVIDERS[p].unsupported).join(", ")}`);
}
