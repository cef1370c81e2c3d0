#!/usr/bin/env node
// `make mutants-js`: deliberate bugs in the JavaScript side (the package
// entry js/index.js, verify's fetch js/transport.js, the demo www/), each run
// against the tests that should catch it. Prints a table and exits non-zero
// when a bug is missed (or the unmodified tests fail).
//
// Nothing in the working tree is modified: the files the tests need are
// copied to a scratch directory (node_modules linked), each bug is applied
// there, pkg/ regenerated as the build would (scripts/package.mjs for
// js/index.js; js/transport.js copied into pkg/snippets/), the tests run, and
// the file restored before the next bug. Needs a built pkg/ (make build).
//
//   node scripts/mutants-js.mjs                 # every bug
//   node scripts/mutants-js.mjs --list          # the list, nothing run
//   node scripts/mutants-js.mjs --only=a,b      # these ids only
//   node scripts/mutants-js.mjs --keep          # keep the scratch directory
//   MUTANTS_TIMEOUT_S=300 (per test file run; one that does not end is "caught (hung)")
//
// Each bug: `file`, `find` (an exact text that must occur exactly once),
// `replace`, `breaks` (the behaviour it breaks) and `tests` (test files run
// with node --test, each on its own; `pattern`, when given, is a --test-name-pattern).
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, writeFile, readdir, rm, symlink, realpath } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, basename } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

const DECISIONS = ["tests/js/decisions.test.mjs", "tests/js/platform-only.test.mjs"];
const SSR = ["tests/js/ssr.test.mjs"];
const VERIFY = ["tests/js/verify.test.mjs"];
const E2E = ["www/tests/e2e.test.mjs"];
const SERVER = ["www/tests/server.test.mjs"];

export const MUTANTS = [
  // ---- js/index.js: the init guard
  {
    id: "init-guard-off", file: "js/index.js",
    find: "function check(what) {\n  if (ready) return;",
    replace: "function check(what) {\n  return;",
    breaks: "a call before init() throws KeyringError not_initialized",
    tests: SSR,
  },
  {
    id: "init-constructor-unguarded", file: "js/index.js",
    find: "      check(`new ${name}()`);\n",
    replace: "",
    breaks: "new Keyring() before init() throws KeyringError not_initialized",
    tests: SSR,
  },
  {
    id: "init-statics-unguarded", file: "js/index.js",
    find: "      return statics.get(key);",
    replace: "      return v;",
    breaks: "Keyring's static methods (importVault) throw not_initialized before init()",
    tests: SSR,
  },
  {
    id: "init-not-memoised", file: "js/index.js",
    find: "return (pending ??= glueInit(",
    replace: "return (pending = glueInit(",
    breaks: "concurrent init() calls share one promise (one load of the module)",
    tests: SSR,
  },
  {
    id: "init-no-retry", file: "js/index.js",
    find: "(e) => { pending = undefined; throw e; },",
    replace: "(e) => { throw e; },",
    breaks: "after a failed init() the next init() tries again",
    tests: SSR,
  },
  // ---- js/index.js: the hot path (isByok / shouldDeductCredits from the snapshot)
  {
    id: "until-ignored", file: "js/index.js",
    find: "  return now < until && now < expires;",
    replace: "  return now < expires;",
    breaks: "a locked keyring, or an auto-lock moment passed with no call, means no user key",
    tests: DECISIONS,
  },
  {
    id: "expiry-ignored", file: "js/index.js",
    find: "  return now < until && now < expires;",
    replace: "  return now < until;",
    breaks: "an expiry passed with no call means no user key",
    tests: DECISIONS,
  },
  {
    id: "expiry-inverted", file: "js/index.js",
    find: "  return now < until && now < expires;",
    replace: "  return now < until && now > expires;",
    breaks: "a key is the user's until its expiry, not after it",
    tests: DECISIONS,
  },
  {
    id: "never-shortcut-or", file: "js/index.js",
    find: "  if (until === Infinity && expires === Infinity) return true;",
    replace: "  if (until === Infinity || expires === Infinity) return true;",
    breaks: "the no-time-limit shortcut needs both no auto-lock and no expiry (else a locked keyring's key counts)",
    tests: DECISIONS,
  },
  {
    id: "fast-no-type-check", file: "js/index.js",
    find: 'const fast = (p) => typeof p === "string" && p.length <= FAST_LEN;',
    replace: "const fast = (p) => p != null && p.length <= FAST_LEN;",
    breaks: 'a non-string with a length (["groq"], new String("groq")) goes to the core and is refused, not answered',
    tests: DECISIONS,
  },
  {
    id: "fast-no-length-cap", file: "js/index.js",
    find: 'const fast = (p) => typeof p === "string" && p.length <= FAST_LEN;',
    replace: 'const fast = (p) => typeof p === "string";',
    breaks: "a string over the core's 64 KiB limit goes to the core and is refused, not answered",
    tests: DECISIONS,
  },
  {
    id: "feature-unchecked", file: "js/index.js",
    find: "  if (!fast(feature)) return coreShould.call(this, provider, feature);\n",
    replace: "",
    breaks: "a feature that is not a string (or too long) is refused by the core, not answered",
    tests: DECISIONS,
  },
  {
    id: "no-key-free", file: "js/index.js",
    find: "  if (!byok(s, provider)) return true;",
    replace: "  if (!byok(s, provider)) return false;",
    breaks: "without a usable user key the call is charged",
    tests: DECISIONS,
  },
  {
    id: "no-feature-charged", file: "js/index.js",
    find: "  if (feature == null) return false;",
    replace: "  if (feature == null) return s.only.size > 0;",
    breaks: "a call without a feature runs on the user's key",
    tests: DECISIONS,
  },
  {
    id: "only-prefix", file: "js/index.js",
    find: "  return s.only.has(feature);",
    replace: "  return [...s.only].some((o) => o.startsWith(feature));",
    breaks: 'platformOnly matched exactly: a prefix ("", "deep") of a configured feature is not charged',
    tests: DECISIONS,
  },
  {
    id: "only-extension", file: "js/index.js",
    find: "  return s.only.has(feature);",
    replace: "  return [...s.only].some((o) => feature.startsWith(o));",
    breaks: 'platformOnly matched exactly: an extension ("deep-analysis-v2") is not charged',
    tests: DECISIONS,
  },
  {
    id: "only-case-insensitive", file: "js/index.js",
    find: "  return s.only.has(feature);",
    replace: "  return [...s.only].some((o) => o.toLowerCase() === feature.toLowerCase());",
    breaks: 'platformOnly matched exactly: a case variant ("Deep-Analysis") is not charged',
    tests: DECISIONS,
  },
  {
    id: "only-trimmed", file: "js/index.js",
    find: "  return s.only.has(feature);",
    replace: "  return s.only.has(feature.trim());",
    breaks: 'platformOnly matched exactly: a whitespace variant ("deep-analysis ") is not charged',
    tests: DECISIONS,
  },
  {
    id: "snapshot-copied", file: "js/index.js",
    find: "const snap = (kr) => (kr[SNAP] ??= kr.decisionSnapshot());",
    replace: "const snap = (kr) => (kr[SNAP] ??= structuredClone(kr.decisionSnapshot()));",
    breaks: "the answers follow the core's live object: free(), lock, set… after the first question",
    tests: DECISIONS,
  },
  {
    id: "snapshot-until-copied", file: "js/index.js",
    find: "const snap = (kr) => (kr[SNAP] ??= kr.decisionSnapshot());",
    replace: "const snap = (kr) => (kr[SNAP] ??= { ...kr.decisionSnapshot() });",
    breaks: "lock, unlock and auto-lock after the first question reach the answers (`until` is live)",
    tests: DECISIONS,
  },
  {
    id: "snapshot-shared", file: "js/index.js",
    find: "const snap = (kr) => (kr[SNAP] ??= kr.decisionSnapshot());",
    replace: "const snap = (kr) => (K[SNAP] ??= kr.decisionSnapshot());",
    breaks: "each keyring answers from its own decisions (not the first keyring's)",
    tests: DECISIONS,
  },
  // ---- js/transport.js: verify's one fetch
  {
    id: "redirect-followed", file: "js/transport.js",
    find: 'redirect: "error"',
    replace: 'redirect: "follow"',
    breaks: "a redirect is not followed, so the key is not sent again",
    tests: VERIFY,
  },
  {
    id: "credentials-included", file: "js/transport.js",
    find: 'credentials: "omit"',
    replace: 'credentials: "include"',
    breaks: "no cookie goes with a check",
    tests: VERIFY,
  },
  {
    id: "credentials-same-origin", file: "js/transport.js",
    find: 'credentials: "omit"',
    replace: 'credentials: "same-origin"',
    breaks: "no cookie goes with a check, even to the page's own origin",
    tests: VERIFY,
  },
  {
    id: "referrer-sent", file: "js/transport.js",
    find: 'referrerPolicy: "no-referrer"',
    replace: 'referrerPolicy: "strict-origin-when-cross-origin"',
    breaks: "no Referer goes with a check",
    tests: VERIFY,
  },
  {
    id: "timeout-not-reported", file: "js/transport.js",
    find: "const timer = setTimeout(() => { late = 1; stop(); }, ms);",
    replace: "const timer = setTimeout(() => { stop(); }, ms);",
    breaks: 'a check that runs out of time says "timeout", not network_error',
    tests: VERIFY,
  },
  {
    id: "abort-not-forwarded", file: "js/transport.js",
    find: '  signal?.addEventListener("abort", stop);\n',
    replace: "",
    breaks: "the caller's abort stops the request (an answer arriving afterwards is not used)",
    tests: VERIFY,
  },
  {
    id: "pre-aborted-sends", file: "js/transport.js",
    find: "    signal?.throwIfAborted();\n    const r = await fetch(",
    replace: "    const r = await fetch(",
    breaks: "an already aborted signal rejects at once and sends nothing",
    tests: VERIFY,
  },
  {
    id: "abort-reason-lost", file: "js/transport.js",
    find: "  } catch {\n    signal?.throwIfAborted();",
    replace: '  } catch {\n    if (signal?.aborted) throw new DOMException("The operation was aborted.", "AbortError");',
    breaks: "an aborted check rejects with the signal's own reason",
    tests: VERIFY,
  },
  {
    id: "abort-swallowed", file: "js/transport.js",
    find: "  } catch {\n    signal?.throwIfAborted();\n",
    replace: "  } catch {\n",
    breaks: "an aborted check rejects (it does not resolve as a network error)",
    tests: VERIFY,
  },
  {
    id: "body-never-read", file: "js/transport.js",
    find: "b: s >= from && s <= to ? (await r.text()).slice(0, 16384) : undefined",
    replace: "b: undefined",
    breaks: "answers told apart by their body (Cohere's 200 valid:false, Gemini's 400, Bedrock's 403) are classified",
    tests: VERIFY,
  },
  {
    id: "headers-logged", file: "js/transport.js",
    find: "  const c = new AbortController();",
    replace: '  console.debug("verify:", method, url, Object.values(headers).map((v) => String(v).slice(0, 20) + "…").join(" "));\n  const c = new AbortController();',
    breaks: "no key, nor a 9-character window of one, reaches the console",
    tests: VERIFY,
  },
  // ---- www/: the demo
  {
    id: "close-does-not-cancel", file: "www/provider-rows.js",
    find: "        r.form.abort();\n",
    replace: "",
    breaks: "closing the popup stops a running key check; its later answer stores nothing",
    tests: E2E, pattern: "while the provider is asked",
  },
  {
    id: "cancel-does-not-cancel", file: "www/key-form.js",
    find: "    if (checking) return checking.abort();",
    replace: "    if (checking) return;",
    breaks: "Cancel stops a running key check; its later answer stores nothing",
    tests: E2E, pattern: "while the provider is asked",
  },
  {
    id: "signal-not-passed", file: "www/verify-target.js",
    find: "        return { baseUrl: `${verifyBaseUrl}/${scenarioPath}${providerId}`, signal };",
    replace: "        return { baseUrl: `${verifyBaseUrl}/${scenarioPath}${providerId}` };",
    breaks: "the popup's Cancel / close reach the check (its signal is passed to set(…, { verify }))",
    tests: E2E, pattern: "while the provider is asked",
  },
  {
    id: "closed-popup-written", file: "www/key-form.js",
    find: "    if (!hooks.isOpen()) return hooks.refresh(); // closed meanwhile: the popup cleared the row\n",
    replace: "",
    breaks: "a check that ends after the popup closed leaves nothing in the closed popup",
    tests: E2E, pattern: "while the provider is asked",
  },
  {
    id: "masked-own-mask", file: "www/provider-status.js",
    find: "      setText(masked, info ? info.masked : '');",
    replace: "      setText(masked, info ? `${info.masked.slice(0, 4)}…` : '');",
    breaks: "the row shows the library's mask of the stored key",
    tests: E2E, pattern: "after a reload",
  },
  {
    id: "key-left-in-field", file: "www/key-form.js",
    find: "      key.value = '';\n      expires.value = '';",
    replace: "      expires.value = '';",
    breaks: "after a save the key's text is not left in the form field",
    tests: E2E, pattern: "Add asks the provider",
  },
  {
    id: "feature-sends-key", file: "www/app.js",
    find: "    const userKey = k.shouldDeductCredits(provider, feature) ? undefined : k.get(provider);",
    replace: "    const userKey = k.isByok(provider) ? k.get(provider) : undefined;",
    breaks: "a platform-only feature is paid by the platform and sends no user key",
    tests: E2E, pattern: "platform credits without a key",
  },
  {
    id: "csp-standin-and-providers", file: "www/server.mjs",
    find: "  const connect = [\"'self'\", ...(verifyBaseUrl ? [new URL(verifyBaseUrl).origin] : PROVIDER_ORIGINS)];",
    replace: "  const connect = [\"'self'\", ...(verifyBaseUrl ? [new URL(verifyBaseUrl).origin] : []), ...PROVIDER_ORIGINS];",
    breaks: "with the stand-in, the CSP lets the page reach no real provider",
    tests: SERVER,
  },
  {
    id: "csp-wildcard-too-wide", file: "www/server.mjs",
    find: "  return `${protocol}//*.${hostname.split('.').slice(-2).join('.')}`;",
    replace: "  return `${protocol}//*.${hostname.split('.').slice(-1).join('.')}`;",
    breaks: "the CSP wildcard for regional hosts is no wider than the provider's domain (not https://*.com)",
    tests: SERVER,
  },
  {
    id: "csp-regional-missing", file: "www/server.mjs",
    find: "      .filter((p) => p.checkOrigin)\n",
    replace: "      .filter((p) => p.checkOrigin && !REGIONAL_PROVIDERS.includes(p.id))\n",
    breaks: "the CSP allows every provider's check (Bedrock's in every region)",
    tests: SERVER,
  },
];

// ---------------------------------------------------------------- running

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const only = args.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",").filter(Boolean);
const TIMEOUT_MS = Number(process.env.MUTANTS_TIMEOUT_S || 300) * 1000;

function listTable(rows) {
  const lines = ["| id | file | breaks | tests |", "|---|---|---|---|"];
  for (const m of rows) lines.push(`| ${m.id} | ${m.file} | ${m.breaks} | ${m.tests.map((t) => basename(t)).join(", ")}${m.pattern ? ` ("${m.pattern}")` : ""} |`);
  return lines.join("\n");
}

if (new Set(MUTANTS.map((m) => m.id)).size !== MUTANTS.length) throw new Error("duplicate mutant ids");
const selected = only ? MUTANTS.filter((m) => only.includes(m.id)) : MUTANTS;
if (only && selected.length !== only.length) {
  console.error(`unknown ids: ${only.filter((id) => !MUTANTS.some((m) => m.id === id)).join(", ")}`);
  process.exit(2);
}
if (flag("list")) {
  console.log(listTable(selected));
  process.exit(0);
}
if (!existsSync(join(ROOT, "pkg/byok_keyring.js"))) {
  console.error("mutants-js: pkg/ is not built: run `make build` first.");
  process.exit(2);
}
if (!existsSync(join(ROOT, "node_modules/playwright-core"))) {
  console.error("mutants-js: node_modules/ lacks playwright-core: run `make setup-test` first.");
  process.exit(2);
}

let running; // the pid (and process group) of the command in progress

/** Runs a command in `cwd`; resolves { code, out, timedOut } (never rejects). */
function run(cmd, cmdArgs, { cwd, timeout = TIMEOUT_MS } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd, env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    running = child.pid;
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, "SIGKILL"); } catch { /* already gone */ }
    }, timeout);
    child.on("close", (code) => {
      clearTimeout(timer);
      running = undefined;
      resolve({ code, out, timedOut });
    });
  });
}

/** The first failing test in node --test's TAP output and its error, shortened. */
function firstFailure(out) {
  const lines = out.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*not ok \d+ - (.*)$/.exec(lines[i]);
    if (!m || /# TODO\b/.test(m[1])) continue;
    const indent = lines[i].match(/^\s*/)[0].length;
    let message = "";
    for (let j = i + 1; j < lines.length && j < i + 80; j++) {
      const l = lines[j];
      if (l.trim() === "..." && l.match(/^\s*/)[0].length <= indent + 2) break;
      const e = /^\s*error: ?(.*)$/.exec(l);
      if (!e) continue;
      if (e[1] === "|-" || e[1] === "|" || e[1] === ">-") {
        const body = [];
        const base = l.match(/^\s*/)[0].length;
        for (let k = j + 1; k < lines.length && body.length < 6; k++) {
          const b = lines[k];
          if (b.trim() && b.match(/^\s*/)[0].length <= base) break;
          if (b.trim() && !/^\s*(\+ actual - expected|\.\.\. Lines skipped)/.test(b)) body.push(b.trim());
        }
        message = body.join(" ");
      } else message = e[1].replace(/^'(.*)'$/, "$1");
      break;
    }
    return `${m[1]}: ${message}`.replace(/\s+/g, " ").replace(/\|/g, "\\|").slice(0, 240);
  }
  const tail = out.trim().split("\n").slice(-3).join(" ");
  return `(no "not ok" line) ${tail}`.replace(/\|/g, "\\|").slice(0, 240);
}

/** The scratch copy: the files the tests read, node_modules linked. */
async function makeScratch() {
  const dir = await mkdtemp(join(tmpdir(), "byok-mutants-js-"));
  const skip = new Set(["node_modules", "dist", "target"]);
  for (const entry of ["js", "pkg", "scripts", "tests", "www", "Cargo.toml", "README.md", "package.json", "size-budget.json"]) {
    if (!existsSync(join(ROOT, entry))) continue;
    await cp(join(ROOT, entry), join(dir, entry), { recursive: true, filter: (src) => !skip.has(basename(src)) });
  }
  for (const f of await readdir(ROOT)) {
    if (/^(LICEN[CS]E|COPYING)/i.test(f)) await cp(join(ROOT, f), join(dir, f));
  }
  await symlink(await realpath(join(ROOT, "node_modules")), join(dir, "node_modules"), "dir");
  return dir;
}

/** Brings the scratch pkg/ in line with the scratch sources `file` (as `make build` would). */
async function regenerate(dir, file) {
  if (file === "js/index.js") {
    const r = await run(process.execPath, ["scripts/package.mjs"], { cwd: dir, timeout: 120_000 });
    if (r.code !== 0) throw new Error(`scripts/package.mjs failed:\n${r.out}`);
  } else if (file === "js/transport.js") {
    const snippets = join(dir, "pkg/snippets");
    for (const d of await readdir(snippets)) {
      const target = join(snippets, d, "js/transport.js");
      if (existsSync(target)) await cp(join(dir, "js/transport.js"), target);
    }
  }
}

const testFile = (dir, file, pattern) =>
  run(process.execPath, ["--test", ...(pattern ? [`--test-name-pattern=${pattern}`] : []), file], { cwd: dir });

/** Runs each of `files` on its own: { failed: [file], first: the first failure, timedOut }. */
async function testRun(dir, files, pattern) {
  const out = { failed: [], first: undefined, timedOut: false };
  for (const file of files) {
    const r = await testFile(dir, file, pattern);
    if (r.code === 0 && !r.timedOut) continue;
    out.failed.push(basename(file));
    out.timedOut ||= r.timedOut;
    out.first ??= r.timedOut ? `${basename(file)}: no end in ${TIMEOUT_MS / 1000} s` : `${basename(file)}: ${firstFailure(r.out)}`;
  }
  return out;
}

const dir = await makeScratch();
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.once(sig, async () => {
    if (running) try { process.kill(-running, "SIGKILL"); } catch { /* gone */ }
    if (!flag("keep")) await rm(dir, { recursive: true, force: true });
    process.exit(130);
  });
}
const started = Date.now();
const results = [];
let baselineFailed = false;
try {
  // The scratch pkg/ from the scratch sources, then the tests unmodified:
  // every run below must pass without a bug for its failure to mean anything.
  await regenerate(dir, "js/index.js");
  await regenerate(dir, "js/transport.js");
  const groups = new Map();
  for (const m of selected) {
    const key = JSON.stringify([m.tests, m.pattern ?? null]);
    groups.set(key, { files: m.tests, pattern: m.pattern });
  }
  if (!flag("no-baseline")) {
    for (const { files, pattern } of groups.values()) {
      process.stdout.write(`baseline: ${files.map((f) => basename(f)).join(", ")}${pattern ? ` ("${pattern}")` : ""} … `);
      const r = await testRun(dir, files, pattern);
      const ok = r.failed.length === 0;
      console.log(ok ? "passes" : `FAILS: ${r.first}`);
      if (!ok) baselineFailed = true;
    }
    if (baselineFailed) {
      console.error("\nmutants-js: the tests fail without any deliberate bug; fix that first.");
      process.exitCode = 2;
    }
  }
  if (!baselineFailed) {
    for (const [i, m] of selected.entries()) {
      const path = join(dir, m.file);
      const original = await readFile(path, "utf8");
      const count = original.split(m.find).length - 1;
      if (count !== 1) {
        results.push({ ...m, result: "stale", detail: `the text to replace occurs ${count} times in ${m.file}` });
        console.log(`[${i + 1}/${selected.length}] ${m.id}: STALE (${count} occurrences)`);
        continue;
      }
      const t0 = Date.now();
      try {
        await writeFile(path, original.replace(m.find, () => m.replace));
        await regenerate(dir, m.file);
        const r = await testRun(dir, m.tests, m.pattern);
        const result = r.failed.length === 0 ? "MISSED" : r.timedOut ? "caught (hung)" : "caught";
        const detail = r.first ?? "every test passed";
        results.push({ ...m, result, by: r.failed, detail, s: Math.round((Date.now() - t0) / 1000) });
        console.log(`[${i + 1}/${selected.length}] ${m.id}: ${result} (${Math.round((Date.now() - t0) / 1000)} s)`);
      } finally {
        await writeFile(path, original);
        await regenerate(dir, m.file);
      }
    }
  }
} finally {
  if (flag("keep")) console.log(`scratch kept: ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}

if (results.length) {
  const lines = ["", "| # | id | file | breaks | tests run | result | caught by | first failure seen |", "|---:|---|---|---|---|---|---|---|"];
  for (const [i, r] of results.entries()) {
    lines.push(`| ${i + 1} | ${r.id} | ${r.file} | ${r.breaks} | ${r.tests.map((t) => basename(t)).join(", ")}${r.pattern ? ` ("${r.pattern}")` : ""} | ${r.result} | ${(r.by ?? []).join(", ")} | ${r.detail} |`);
  }
  console.log(lines.join("\n"));
  const missed = results.filter((r) => !r.result.startsWith("caught"));
  const caught = results.length - missed.length;
  console.log(`\n${caught} of ${results.length} deliberate bugs caught${missed.length ? `; missed or stale: ${missed.map((r) => r.id).join(", ")}` : ""} (${Math.round((Date.now() - started) / 1000)} s).`);
  if (missed.length) process.exitCode = 1;
}
