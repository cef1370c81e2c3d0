// `make bench`: one headless-Chromium run of every benchmark in bench/bench.js,
// printed as a table, written to bench/results.json, and the table put into
// BENCHMARKS.md (between the <!-- results --> markers).
import { build } from "esbuild";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import os from "node:os";
import { serveRepo, launch, ROOT } from "../tests/js/harness.mjs";

const RUNS = Number(process.env.BENCH_RUNS || 5);
const CALLS = Number(process.env.BENCH_CALLS || 100_000);
const here = new URL("./", import.meta.url);

// 1. Bundle the contenders for the browser, and measure each one's shipped size.
await mkdir(new URL("tmp/", here), { recursive: true });
await build({ entryPoints: [new URL("contenders.js", here).pathname], bundle: true, format: "esm",
  platform: "browser", outfile: new URL("tmp/contenders.js", here).pathname, logLevel: "error" });
async function bundledSize(code) {
  const r = await build({ stdin: { contents: code, resolveDir: ROOT }, bundle: true, minify: true,
    format: "esm", platform: "browser", write: false, logLevel: "error" });
  const bytes = r.outputFiles[0].contents;
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
const fileSize = async (path) => {
  const bytes = await readFile(new URL(path, `file://${ROOT}`));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const sizes = {
  "byok-keyring .wasm": await fileSize("pkg/byok_keyring_bg.wasm"),
  "byok-keyring JS glue": await fileSize("pkg/byok_keyring.js"),
  "byok-vault (minified bundle)": await bundledSize('export { BYOKVault } from "byok-vault";'),
  "browser-passworder + buffer polyfill (minified bundle)": await bundledSize('import { Buffer } from "buffer"; globalThis.Buffer ??= Buffer; export { encrypt, decrypt } from "@metamask/browser-passworder";'),
};

// 2. Run the page.
const server = await serveRepo();
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
const hot = await p.evaluate(([n, runs]) => window.bench.hotPath(n, runs), [CALLS, RUNS]);
const browserVersion = browser.version();
await browser.close();
server.close();

// 3. Targets (issue 4), from ratios measured in this run.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const u = (name) => unlock[name].medianMs;
const raw = u("WebCrypto deriveBits (raw)");
const kb = (n) => (n / 1024).toFixed(1) + " KB";
const targets = [
  ["unlock (webcrypto) ≤ 1.10 × raw WebCrypto", u("byok-keyring (webcrypto)") / raw, 1.1, "×"],
  ["unlock (wasm) ≤ 3 × raw WebCrypto", u("byok-keyring (wasm)") / raw, 3, "×"],
  ["unlock (wasm) ≥ 5 × faster than @noble/hashes", u("@noble/hashes pbkdf2") / u("byok-keyring (wasm)"), 5, "× faster", true],
  ["main-thread block during webcrypto unlock ≤ 50 ms", unlock["byok-keyring (webcrypto)"].maxBlockMs, 50, "ms"],
  ["isByok ≤ 300 ns", hot.isByok.ns, 300, "ns"],
  ["shouldDeductCredits ≤ 300 ns", hot.shouldDeductCredits.ns, 300, "ns"],
  ["validate ≤ 2 µs", hot["validate (164-char OpenAI key)"].ns, 2000, "ns"],
  ["mask ≤ 1 µs", hot.mask.ns, 1000, "ns"],
  ["get ≤ 10 µs", hot.get.ns, 10_000, "ns"],
  ["set ≤ 50 µs", hot["set (incl. storage write)"].ns, 50_000, "ns"],
  [".wasm ≤ 60 KB gzipped", sizes["byok-keyring .wasm"].gzip / 1024, 60, "KB"],
  ["JS glue ≤ 10 KB gzipped", sizes["byok-keyring JS glue"].gzip / 1024, 10, "KB"],
].map(([what, value, limit, unit, atLeast]) => ({
  what, value: +value.toFixed(2), limit, unit,
  met: atLeast ? value >= limit : value <= limit,
  by: atLeast ? `${(limit / value).toFixed(2)}× short` : `${(value / limit).toFixed(2)}× the limit`,
}));

const results = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), os: `${os.type()} ${os.release()}` },
  browser: `Chromium ${browserVersion} (headless)`,
  runs: RUNS, calls: CALLS,
  initMs: { median: +median(inits.slice(1)).toFixed(2), samples: inits.map((x) => +x.toFixed(2)) },
  unlock600k: unlock, hotPathNs: hot, sizes, targets,
};
await writeFile(new URL("results.json", here), JSON.stringify(results, null, 2) + "\n");

// 4. The table.
const lines = [];
lines.push(`Measured ${results.date.slice(0, 10)} on ${results.machine.cpu} (${results.machine.cores} cores), ${results.browser}; medians of ${RUNS} runs after a warm-up.`, "");
lines.push("| unlock, PBKDF2-HMAC-SHA256 600,000 iterations | median | × raw WebCrypto | longest main-thread block |", "|---|---:|---:|---:|");
for (const [name, r] of Object.entries(unlock)) {
  lines.push(`| ${name}${r.backend ? ` [ran: ${r.backend}]` : ""} | ${r.medianMs.toFixed(1)} ms | ${(r.medianMs / raw).toFixed(2)} | ${r.maxBlockMs.toFixed(0)} ms |`);
}
lines.push("", `| per call (average of ${CALLS.toLocaleString("en")} calls; set: ${hot._calls.setN.toLocaleString("en")}) | byok-keyring | plain JS baseline |`, "|---|---:|---:|");
for (const [name, r] of Object.entries(hot)) {
  if (name.startsWith("_")) continue;
  lines.push(`| ${name} | ${r.ns.toFixed(0)} ns | ${r.baselineNs.toFixed(0)} ns |`);
}
lines.push("", `| shipped size | raw | gzipped |`, "|---|---:|---:|");
for (const [name, s] of Object.entries(sizes)) lines.push(`| ${name} | ${kb(s.raw)} | ${kb(s.gzip)} |`);
lines.push("", `init(): ${results.initMs.median} ms (median of ${RUNS} fresh pages).`, "");
lines.push("| target | measured | met |", "|---|---:|:---:|");
for (const t of targets) lines.push(`| ${t.what} | ${t.value} ${t.unit} | ${t.met ? "yes" : `no (${t.by})`} |`);
const table = lines.join("\n");
console.log(table);

const mdPath = new URL("../BENCHMARKS.md", here);
const md = await readFile(mdPath, "utf8").catch(() => "<!-- results -->\n<!-- /results -->\n");
await writeFile(mdPath, md.replace(/<!-- results -->[\s\S]*<!-- \/results -->/, `<!-- results -->\n${table}\n<!-- /results -->`));
console.log("\nwritten: bench/results.json, BENCHMARKS.md");
