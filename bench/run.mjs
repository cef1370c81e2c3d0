// `make bench`: one headless-Chromium run of every benchmark in bench/bench.js,
// printed as a table, written to bench/results.json, and the table put into
// BENCHMARKS.md (between the <!-- results --> markers). With --dry-run (or
// BENCH_DRY_RUN=1) it only prints. Each target line says met or missed, and
// by how much.
import { build } from "esbuild";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import os from "node:os";
import { serveRepo, launch, ROOT } from "../tests/js/harness.mjs";
import { shippedSizes, BUDGET, BUDGET_FILE } from "../scripts/size-report.mjs";
import { startStandin, HOLD } from "../tests/js/standin/server.mjs";

const DRY_RUN = process.argv.includes("--dry-run") || process.env.BENCH_DRY_RUN === "1";
const RUNS = Number(process.env.BENCH_RUNS || 5);
const CALLS = Number(process.env.BENCH_CALLS || 100_000);
// Pairs of (unlock, raw deriveBits) for the unlock ratio: about 0.2 s each.
const RATIO_RUNS = Number(process.env.BENCH_RATIO_RUNS || 11);
const here = new URL("./", import.meta.url);

// 1. Bundle the contenders for the browser, and measure each one's shipped size.
await mkdir(new URL("tmp/", here), { recursive: true });
await build({ entryPoints: [new URL("contenders.js", here).pathname], bundle: true, format: "esm",
  platform: "browser", outfile: new URL("tmp/contenders.js", here).pathname, logLevel: "error" });
async function bundledSize(code) {
  const r = await build({ stdin: { contents: code, resolveDir: ROOT }, bundle: true, minify: true,
    format: "esm", platform: "browser", write: false, logLevel: "error" });
  const bytes = r.outputFiles[0].contents;
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: BUDGET.gzipLevel }).length };
}
// byok-keyring's own: the files, gzip level and budget of tests/js/size.test.mjs.
const shipped = await shippedSizes();
const sizes = {
  "byok-keyring .wasm": { raw: shipped.wasm.raw, gzip: shipped.wasm.gzip, budget: shipped.wasm.limit },
  [`byok-keyring core JS (${shipped.coreJs.files.map((f) => f.path.replace(/^pkg\//, "")).join(" + ")})`]:
    { raw: shipped.coreJs.raw, gzip: shipped.coreJs.gzip, budget: shipped.coreJs.limit },
  "byok-vault (minified bundle)": await bundledSize('export { BYOKVault } from "byok-vault";'),
  "browser-passworder + buffer polyfill (minified bundle)": await bundledSize('import { Buffer } from "buffer"; globalThis.Buffer ??= Buffer; export { encrypt, decrypt } from "@metamask/browser-passworder";'),
};

// 2. Run the page (verify's timing against the local provider stand-in).
const server = await serveRepo();
const standin = await startStandin();
const browser = await launch();
const page = async () => {
  const p = await browser.newPage();
  await p.goto(`${server.url}/bench/page.html`);
  await p.waitForFunction(() => window.benchReady);
  return p;
};
const inits = [];
for (let i = 0; i < RUNS + 1; i++) {
  const p = await page();
  inits.push(await p.evaluate(() => window.bench.initTime()));
  await p.close();
}
const p = await page();
await p.evaluate(() => window.bench.initTime());
const unlock = await p.evaluate((runs) => window.bench.unlock(runs), RUNS);
const unlockRatio = await p.evaluate((runs) => window.bench.unlockRatio(runs), RATIO_RUNS);
const hot = await p.evaluate(([n, runs]) => window.bench.hotPath(n, runs), [CALLS, RUNS]);
const verifyTiming = await p.evaluate(([runs, bases]) => window.bench.verifyTiming(runs, bases),
  [RUNS, { timeoutBase: standin.baseUrl("openai", "timeout"), holdBase: standin.baseUrl("openai", HOLD) }]);
const huge = await p.evaluate((runs) => window.bench.hugeArgument(runs), RUNS);
const browserVersion = browser.version();
await browser.close();
await standin.close();
server.close();

// 3. Targets. The hot-path and unlock ones are ratios to a plain baseline
// measured in the same page run (rounds alternating library and baseline).
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const u = (name) => unlock[name].medianMs;
const raw = u("WebCrypto deriveBits (raw)");
const kb = (n) => (n / 1024).toFixed(1) + " KB";
const fmt = (v, unit) => unit === "ns" ? `${Math.round(v).toLocaleString("en")} ns` : unit === "ms" ? `${+v.toFixed(1)} ms` : `${+v.toFixed(2)}×`;
const pct = (v, limit) => `${(100 * (1 - v / limit)).toFixed(0)} % under`;
/** One target: met when any of its limits holds. `limits`: [value, limit, unit, label]. */
function target(what, limits, { atLeast = false, note } = {}) {
  const checks = limits.map(([value, limit, unit, label]) => ({
    value, limit, unit, label,
    met: atLeast ? value >= limit : value <= limit,
  }));
  const met = !note && checks.some((c) => c.met);
  const show = (c) => `${fmt(c.value, c.unit)}${c.label ? ` ${c.label}` : ""}`;
  const limitText = checks.map((c) => `${atLeast ? "≥" : "≤"} ${fmt(c.limit, c.unit)}${c.label ? ` ${c.label}` : ""}`).join(" or ");
  let by;
  if (note) by = `missed: ${note}`;
  else if (met) {
    const c = checks.find((x) => x.met);
    by = `met (${atLeast ? `${(c.value / c.limit).toFixed(2)}× the minimum` : pct(c.value, c.limit)}${checks.length > 1 ? `, by ${fmt(c.limit, c.unit)}${c.label ? ` ${c.label}` : ""}` : ""})`;
  } else {
    by = "missed by " + checks.map((c) => atLeast ? `${(c.limit / c.value).toFixed(2)}× (short of ${fmt(c.limit, c.unit)})` : `${(c.value / c.limit).toFixed(2)}× (over ${fmt(c.limit, c.unit)}${c.label ? ` ${c.label}` : ""})`).join(" and ");
  }
  return { what, measured: checks.map(show).join(", "), limit: limitText, met, result: by, checks };
}
const h = (name) => hot[name];
const vsMap = (name, call) => target(`${call} vs a plain-JS Map check`,
  [[h(name).ratio, 4, "×", "the baseline"], [h(name).ns, 50, "ns", "per call"]]);
const targets = [
  vsMap("isByok", "kr.isByok(p)"),
  vsMap("shouldDeductCredits", "kr.shouldDeductCredits(p, feature)"),
  target(`validate("openai", 164-char key) vs a JS regex check`, [[h("validate (164-char OpenAI key)").ratio, 3, "×", "the baseline"]]),
  target("mask(key)", [[h("mask").ns, 1000, "ns", "per call"]]),
  target(`unlock (webcrypto) vs bare crypto.subtle.deriveBits, ${unlockRatio.iterations.toLocaleString("en")} iterations`,
    [[unlockRatio.ratio, 1.1, "×", "the baseline"]],
    { note: unlockRatio.backend === "webcrypto" ? undefined : `the unlock ran on "${unlockRatio.backend}", not WebCrypto` }),
  target("unlock (wasm) vs raw WebCrypto", [[u("byok-keyring (wasm)") / raw, 3, "×", "raw WebCrypto"]]),
  target("unlock (wasm) speed-up over @noble/hashes", [[u("@noble/hashes pbkdf2") / u("byok-keyring (wasm)"), 5, "×", "faster"]], { atLeast: true }),
  target("main-thread block during a webcrypto unlock", [[unlock["byok-keyring (webcrypto)"].maxBlockMs, 50, "ms", ""]]),
  target("get", [[h("get").ns, 10_000, "ns", "per call"]]),
  target("set (incl. storage write)", [[h("set (incl. storage write)").ns, 50_000, "ns", "per call"]]),
  target(`verify with timeoutMs ${verifyTiming.timeoutMs}: "timeout" after timeoutMs`, [[verifyTiming.overMs, 100, "ms", "late"]]),
  target("verify: an aborted check rejects after abort()", [[verifyTiming.abortMs, 20, "ms", ""]]),
  target("a 10 MB string argument refused (slowest of validate, mask, set, isByok, new Keyring)", [[huge.slowest, 1000, "ms", ""]]),
];

const results = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), os: `${os.type()} ${os.release()}` },
  browser: `Chromium ${browserVersion} (headless)`,
  runs: RUNS, calls: CALLS,
  initMs: { median: +median(inits.slice(1)).toFixed(2), samples: inits.map((x) => +x.toFixed(2)) },
  unlock600k: unlock, unlockRatio, hotPathNs: hot, verifyTiming, hugeArgumentMs: huge, sizes, targets,
};

// 4. The table.
const lines = [];
lines.push(`Measured ${results.date.slice(0, 10)} on ${results.machine.cpu} (${results.machine.cores} cores), ${results.browser}; medians of ${RUNS} runs after a warm-up.`, "");
lines.push("| unlock, PBKDF2-HMAC-SHA256 600,000 iterations | median | × raw WebCrypto | longest main-thread block |", "|---|---:|---:|---:|");
for (const [name, r] of Object.entries(unlock)) {
  lines.push(`| ${name}${r.backend ? ` [ran: ${r.backend}]` : ""} | ${r.medianMs.toFixed(1)} ms | ${(r.medianMs / raw).toFixed(2)} | ${r.maxBlockMs.toFixed(0)} ms |`);
}
lines.push("", `Unlock vs bare deriveBits, alternated in pairs (${RATIO_RUNS} pairs, ran: ${unlockRatio.backend}): ${unlockRatio.ms.toFixed(1)} ms vs ${unlockRatio.baselineMs.toFixed(1)} ms, median ratio ${unlockRatio.ratio.toFixed(2)}.`);
lines.push("", `| per call (average of ${CALLS.toLocaleString("en")} calls; set: ${hot._calls.setN.toLocaleString("en")}) | byok-keyring | plain JS baseline | ratio |`, "|---|---:|---:|---:|");
for (const [name, r] of Object.entries(hot)) {
  if (name.startsWith("_")) continue;
  lines.push(`| ${name} | ${r.ns.toFixed(0)} ns | ${r.baselineNs.toFixed(0)} ns | ${r.ratio.toFixed(1)}× |`);
}
lines.push("", `| shipped size (gzip level ${BUDGET.gzipLevel}) | raw | gzipped | budget (${BUDGET_FILE}) |`, "|---|---:|---:|---:|");
for (const [name, s] of Object.entries(sizes)) {
  const budget = s.budget ? `${kb(s.budget)}: ${s.gzip <= s.budget ? "within" : `over by ${kb(s.gzip - s.budget)}`}` : "";
  lines.push(`| ${name} | ${kb(s.raw)} | ${kb(s.gzip)} | ${budget} |`);
}
lines.push("", `init(): ${results.initMs.median} ms (median of ${RUNS} fresh pages).`, "");
lines.push(`verify against the local stand-in: a timeout of ${verifyTiming.timeoutMs} ms ends ${verifyTiming.overMs.toFixed(1)} ms after it; an abort rejects ${verifyTiming.abortMs.toFixed(2)} ms after abort() (medians of ${RUNS}).`, "");
lines.push("| 10 MB string argument, refused | median per call |", "|---|---:|");
for (const [name, ms] of Object.entries(huge.ms)) lines.push(`| ${name} | ${ms.toFixed(1)} ms |`);
lines.push("");
lines.push("| target | measured | limit | result |", "|---|---:|---:|---|");
for (const t of targets) lines.push(`| ${t.what} | ${t.measured} | ${t.limit} | ${t.result} |`);
const table = lines.join("\n");
console.log(table);

if (DRY_RUN) {
  console.log("\n(dry run: bench/results.json and BENCHMARKS.md left as they were)");
  process.exit(0);
}
await writeFile(new URL("results.json", here), JSON.stringify(results, null, 2) + "\n");
const mdPath = new URL("../BENCHMARKS.md", here);
const md = await readFile(mdPath, "utf8").catch(() => "<!-- results -->\n<!-- /results -->\n");
await writeFile(mdPath, md.replace(/<!-- results -->[\s\S]*<!-- \/results -->/, `<!-- results -->\n${table}\n<!-- /results -->`));
console.log("\nwritten: bench/results.json, BENCHMARKS.md");
