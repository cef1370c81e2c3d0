// Unit tests of www/server.mjs over real HTTP (no browser needed).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { startServer, normalizeVerifyBaseUrl, PROVIDER_ORIGINS } from '../server.mjs';
import init, { providers } from '../../pkg/node.js';

let srv;
let pkgDir;
const logs = [];

before(async () => {
  await init();
  // A stand-in pkg/ to serve, so these tests do not depend on the built files'
  // contents (the server itself loads the built package for providers()).
  pkgDir = mkdtempSync(path.join(tmpdir(), 'byok-pkg-'));
  writeFileSync(path.join(pkgDir, 'index.js'), 'export default 1;\n');
  writeFileSync(path.join(pkgDir, 'byok_keyring_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  srv = await startServer({ port: 0, credits: 2, pkgDir, log: (line) => logs.push(line) });
});

after(async () => {
  await srv?.close();
  rmSync(pkgDir, { recursive: true, force: true });
});

/** A raw GET, so paths reach the server exactly as written (no URL normalisation). */
function rawGet(rawPath) {
  return new Promise((resolve, reject) => {
    const { port } = srv.server.address();
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const post = (p, body, headers = {}) =>
  fetch(srv.url + p, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

test('serves www/ and pkg/ with the right MIME types', async () => {
  const index = await rawGet('/');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.body, /<byok-keys id="settings"/);
  assert.match(index.headers['content-security-policy'], /connect-src 'self'/);
  assert.equal((await rawGet('/api/nothing')).headers['content-security-policy'], index.headers['content-security-policy']);

  assert.match((await rawGet('/app.js')).headers['content-type'], /^text\/javascript/);
  assert.match((await rawGet('/server.mjs')).headers['content-type'], /^text\/javascript/);
  assert.match((await rawGet('/style.css')).headers['content-type'], /^text\/css/);
  assert.match((await rawGet('/pkg/index.js')).headers['content-type'], /^text\/javascript/);
  const wasm = await rawGet('/pkg/byok_keyring_bg.wasm');
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers['content-type'], 'application/wasm');
  assert.equal((await rawGet('/nope.js')).status, 404);
});

test('refuses directory traversal and dotfiles', async () => {
  for (const p of [
    '/../Cargo.toml',
    '/pkg/../../Cargo.toml',
    '/pkg/..%2f..%2fCargo.toml',
    '/%2e%2e/Cargo.toml',
    '/..%5cCargo.toml',
    '/pkg/%2e%2e%2findex.js',
    '/.git/config',
    '/tests/%00.mjs',
    '/%E0%A4%A',
  ]) {
    const res = await rawGet(p);
    assert.equal(res.status, 404, p);
    assert.doesNotMatch(res.body, /\[package\]|repositoryformatversion/, p);
  }
});

test('credits: read, deduct, 402 at zero', async () => {
  assert.deepEqual(await (await fetch(`${srv.url}/api/user/credits`)).json(), { credits: 2 });
  assert.deepEqual(await (await post('/api/user/deduct-credits', {})).json(), { credits: 1 });
  assert.deepEqual(await (await post('/api/user/deduct-credits', { provider: 'openai' })).json(), { credits: 0 });
  const refused = await post('/api/user/deduct-credits', {});
  assert.equal(refused.status, 402);
  assert.equal((await refused.json()).error, 'Out of credits');
  assert.equal(srv.stats.deductCalls, 3);
  assert.equal(srv.stats.credits, 0);
});

test('chat: billed to the user with X-User-Api-Key, which is never logged', async () => {
  const key = `gsk_${'Zq7'.repeat(17)}x`;
  const byok = await post(
    '/api/chat',
    { provider: 'groq', model: 'llama', message: 'hi' },
    { 'X-User-Api-Key': key, 'X-User-Api-Provider': 'groq' },
  );
  const body = await byok.json();
  assert.equal(body.billedTo, 'user');
  assert.match(body.reply, /hi/);
  assert.equal(srv.stats.byokCalls, 1);
  assert.equal(srv.stats.lastUserKeyProvider, 'groq');
  assert.ok(logs.includes('byok call for groq'));
  assert.ok(!logs.join('\n').includes(key.slice(4, 13)), 'the key must not be logged');
  assert.ok(!JSON.stringify(srv.stats).includes(key.slice(4, 13)), 'the key must not be kept');

  const platform = await (await post('/api/chat', { provider: 'openai', message: 'yo', feature: 'fix-code' })).json();
  assert.equal(platform.billedTo, 'platform');
  assert.match(platform.reply, /Fixed code/);
});

test('bad requests get JSON errors', async () => {
  const bad = await fetch(`${srv.url}/api/chat`, { method: 'POST', body: '{oops' });
  assert.equal(bad.status, 400);
  assert.deepEqual(await bad.json(), { error: 'Invalid JSON' });
  const get = await fetch(`${srv.url}/api/chat`);
  assert.equal(get.status, 405);
  assert.equal(typeof (await get.json()).error, 'string');
  const none = await fetch(`${srv.url}/api/nothing`);
  assert.equal(none.status, 404);
  assert.equal(typeof (await none.json()).error, 'string');
});

/** A raw POST of `body`: { status, body } or, when the connection fails, { error: its code }. */
function rawPost(server, rawPath, body) {
  return new Promise((resolve) => {
    const { port } = server.server.address();
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      res.on('error', (e) => resolve({ error: e.code ?? e.message }));
    });
    req.on('error', (e) => resolve({ error: e.code ?? e.message }));
    req.end(body);
  });
}

test('a body over 64 KiB is refused without being read: the server closes the connection and keeps serving', async (t) => {
  // A server of its own: what it does after the refusal is part of the test.
  const s = await startServer({ port: 0, credits: 5, pkgDir, log: () => {} });
  t.after(() => s.close());
  // At the limit: read, and answered like any other body (not JSON here).
  const atLimit = await rawPost(s, '/api/chat', 'x'.repeat(64 * 1024));
  assert.deepEqual(atLimit, { status: 400, body: JSON.stringify({ error: 'Invalid JSON' }) });
  // Over it: the server stops reading and closes the connection, so the
  // client sees it reset (or its write refused). A 413 answer would be
  // right too; nothing else is (a 400 means the body was read, a refused
  // connection that the server is down).
  for (const size of [64 * 1024 + 1, 70_000, 1024 * 1024]) {
    const r = await rawPost(s, '/api/chat', 'x'.repeat(size));
    if (r.status !== undefined) {
      assert.deepEqual(r, { status: 413, body: JSON.stringify({ error: 'Request body too large' }) }, `${size} bytes`);
    } else {
      assert.ok(['ECONNRESET', 'EPIPE'].includes(r.error), `${size} bytes: the connection failed with ${r.error}, not a reset by the server`);
    }
  }
  assert.equal(s.stats.chatCalls, 0, 'no chat call was made');
  assert.equal(s.stats.deductCalls, 0);
  // And it keeps serving.
  const after = await rawPost(s, '/api/user/deduct-credits', '{}');
  assert.deepEqual(after, { status: 200, body: JSON.stringify({ credits: 4 }) });
});

/** The sources of one CSP directive. */
function cspSources(header, directive) {
  const found = header.split(';').map((d) => d.trim().split(/\s+/)).find(([name]) => name === directive);
  assert.ok(found, `no ${directive} in ${header}`);
  return found.slice(1);
}

test('production: /api/config has no verifyBaseUrl; connect-src allows this origin and the providers only', async () => {
  const config = await fetch(`${srv.url}/api/config`);
  assert.equal(config.status, 200);
  assert.deepEqual(await config.json(), { verifyBaseUrl: null });
  const connect = cspSources((await rawGet('/')).headers['content-security-policy'], 'connect-src');
  assert.deepEqual(connect, ["'self'", ...PROVIDER_ORIGINS]);
  for (const origin of ['https://api.openai.com', 'https://api.anthropic.com', 'https://generativelanguage.googleapis.com', 'https://*.amazonaws.com']) {
    assert.ok(connect.includes(origin), origin);
  }
  assert.ok(connect.every((src) => src === "'self'" || /^https:\/\/(\*\.)?[a-z0-9.-]+$/.test(src)), connect.join(' '));
});

/** Whether CSP host source `src` (an origin, or https://*.domain) matches `origin`. */
const sourceMatches = (src, origin) =>
  src === origin || (src.startsWith('https://*.') && origin.startsWith('https://') && origin.endsWith(src.slice('https://*'.length)));

test("production: connect-src allows every key check the library names (Bedrock's in every region) and nothing else", async () => {
  const connect = cspSources((await rawGet('/')).headers['content-security-policy'], 'connect-src');
  const checked = providers().filter((p) => p.checkOrigin);
  assert.ok(checked.length >= 14, `${checked.length} providers with a check`);
  const allows = (origin) => connect.some((src) => sourceMatches(src, origin));
  for (const p of checked) assert.ok(allows(p.checkOrigin), `${p.id}: ${p.checkOrigin} not in ${connect.join(' ')}`);
  for (const region of ['us-east-1', 'eu-west-3', 'ap-southeast-2', 'us-gov-west-1']) {
    assert.ok(allows(`https://bedrock.${region}.amazonaws.com`), region);
  }
  for (const src of connect) {
    assert.ok(src === "'self'" || checked.some((p) => sourceMatches(src, p.checkOrigin)), `${src} is no provider's check`);
  }
});

test('production: connect-src lets the page reach no origin but its own and the providers\' check hosts', async () => {
  const connect = cspSources((await rawGet('/')).headers['content-security-policy'], 'connect-src');
  const allows = (origin) => connect.some((src) => sourceMatches(src, origin));
  for (const foreign of [
    'https://example.com', 'https://attacker.com', 'https://evil.net', 'https://evil.io', 'https://evil.ai',
    'https://api.openai.com.evil.net', 'https://amazonaws.com.evil.net', 'https://evil-amazonaws.com',
    'https://googleapis.com.evil.org', 'http://api.openai.com', 'https://api.openai.com:8443',
  ]) {
    assert.ok(!allows(foreign), `connect-src (${connect.join(' ')}) lets the page reach ${foreign}`);
  }
  // A wildcard is as narrow as a provider's regional hosts allow: one per
  // regional provider, two labels under the star at least.
  for (const src of connect.filter((x) => x.includes('*'))) {
    assert.match(src, /^https:\/\/\*\.[a-z0-9-]+\.[a-z]{2,}$/, `${src} is wider than a provider's domain`);
  }
});

test('VERIFY_BASE_URL: exposed at /api/config and the only other origin in connect-src', async (t) => {
  const s2 = await startServer({ port: 0, pkgDir, log: () => {}, verifyBaseUrl: 'http://127.0.0.1:8787/' });
  t.after(() => s2.close());
  assert.equal(s2.verifyBaseUrl, 'http://127.0.0.1:8787');
  const res = await fetch(`${s2.url}/api/config`);
  assert.deepEqual(await res.json(), { verifyBaseUrl: 'http://127.0.0.1:8787' });
  assert.deepEqual(cspSources(res.headers.get('content-security-policy'), 'connect-src'), ["'self'", 'http://127.0.0.1:8787']);

  // A path (a fixed scenario) is kept; the CSP names the origin.
  const s3 = await startServer({ port: 0, pkgDir, log: () => {}, verifyBaseUrl: 'http://127.0.0.1:8787/invalid_key' });
  t.after(() => s3.close());
  const res3 = await fetch(`${s3.url}/api/config`);
  assert.deepEqual(await res3.json(), { verifyBaseUrl: 'http://127.0.0.1:8787/invalid_key' });
  assert.deepEqual(cspSources(res3.headers.get('content-security-policy'), 'connect-src'), ["'self'", 'http://127.0.0.1:8787']);
});

test('normalizeVerifyBaseUrl refuses what is not a plain http(s) base URL', () => {
  assert.equal(normalizeVerifyBaseUrl(undefined), null);
  assert.equal(normalizeVerifyBaseUrl(''), null);
  assert.equal(normalizeVerifyBaseUrl('https://standin.example.com//'), 'https://standin.example.com');
  for (const bad of ['127.0.0.1:8787', 'ftp://127.0.0.1', 'http://u:p@127.0.0.1', 'http://127.0.0.1/?x=1', 'http://127.0.0.1/#x', 'nope']) {
    assert.throws(() => normalizeVerifyBaseUrl(bad), /VERIFY_BASE_URL/, bad);
  }
});
