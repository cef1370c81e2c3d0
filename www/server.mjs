// The demo's tiny backend: static files plus a fake credits/chat API.
//
//   node www/server.mjs            # http://localhost:8080 (PORT, CREDITS env)
//   VERIFY_BASE_URL=http://127.0.0.1:8787 node www/server.mjs
//                                  # key checks go to the provider stand-in
//
// Serves www/ at / and the built package (../pkg) at /pkg/. Node's standard
// library, plus the package itself (its Node entry, pkg/node.js) for the
// providers' check origins. The API keeps one credit balance in memory:
//
//   GET  /api/config                -> {verifyBaseUrl}  (null: the real providers)
//   GET  /api/user/credits          -> {credits}
//   POST /api/user/deduct-credits   -> {credits} | 402 {error}
//   POST /api/chat {provider, model, message, feature}
//        -> {reply, billedTo: "user" | "platform"}
//
// A /api/chat request carrying X-User-Api-Key is a BYOK call: it costs the
// platform nothing, and the key is never logged or stored (the stats keep a
// SHA-256 fingerprint so tests can check that the right key arrived).
//
// The settings popup checks a pasted key with its provider (the library's
// `set(..., { verify })`). The Content-Security-Policy lets the page connect
// to this origin and to the providers' API origins only; with
// VERIFY_BASE_URL (the local stand-in, tests/js/standin/server.mjs) it lets
// the page connect to this origin and the stand-in only, so no real provider
// is ever contacted.

import http from 'node:http';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import init, { providers } from '../pkg/node.js';
import { REGIONAL_PROVIDERS } from './regions.js';

await init();

const WWW_DIR = fileURLToPath(new URL('./', import.meta.url));
const PKG_DIR = fileURLToPath(new URL('../pkg/', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The CSP source that lets the page reach provider `p`'s key check. The
 * library's `checkOrigin` names the check's origin in production. A regional
 * provider's host has the key's region in it (Bedrock:
 * bedrock.<region>.amazonaws.com, and `checkOrigin` names the default
 * region's); a CSP host wildcard can only stand for the leftmost labels, so
 * the narrowest source matching every region keeps the last two labels:
 * https://*.amazonaws.com.
 */
function checkSource(p) {
  if (!REGIONAL_PROVIDERS.includes(p.id)) return p.checkOrigin;
  const { protocol, hostname } = new URL(p.checkOrigin);
  return `${protocol}//*.${hostname.split('.').slice(-2).join('.')}`;
}

/**
 * The origins the library's `verify` calls in production, from its
 * `providers()` (docs/VERIFY.md): one per provider with a free key check.
 */
export const PROVIDER_ORIGINS = [
  ...new Set(
    providers()
      .filter((p) => p.checkOrigin)
      .map(checkSource),
  ),
];

/**
 * Checks a VERIFY_BASE_URL: an http(s) URL without credentials, query or
 * fragment. Returns it without trailing slashes, or null when unset.
 */
export function normalizeVerifyBaseUrl(value) {
  if (value === undefined || value === null || value === '') return null;
  let url;
  try {
    url = new URL(String(value));
  } catch {
    throw new Error(`VERIFY_BASE_URL is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('VERIFY_BASE_URL must be http:// or https://');
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('VERIFY_BASE_URL may not contain credentials, a query or a fragment');
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/**
 * Sent with every response. The CSP lets the page connect only to this
 * origin and to where keys are checked (the providers, or the stand-in), so
 * nothing in it could send a key anywhere else; 'wasm-unsafe-eval' is what
 * WebAssembly compilation needs.
 */
export function securityHeaders(verifyBaseUrl = null) {
  const connect = ["'self'", ...(verifyBaseUrl ? [new URL(verifyBaseUrl).origin] : PROVIDER_ORIGINS)];
  return {
    'Content-Security-Policy':
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
      `img-src 'self' data:; connect-src ${connect.join(' ')}; object-src 'none'; base-uri 'none'; ` +
      "form-action 'self'; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

const MAX_BODY = 64 * 1024;

/** Maps a URL path to a file under `root`, or null if it would escape it. */
function resolveInside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  // No dotfiles and no '..' segments, before and after normalisation.
  if (decoded.split('/').some((seg) => seg.startsWith('.'))) return null;
  const file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  const rootAbs = path.resolve(root);
  if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) return null;
  return file;
}

function send(res, status, body, headers = {}) {
  // The security headers were set on `res` when the request arrived.
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res, status, value) {
  send(res, status, JSON.stringify(value), { 'Content-Type': MIME['.json'] });
}

async function serveFile(req, res, root, urlPath) {
  let file = resolveInside(root, urlPath);
  if (!file) return sendJson(res, 404, { error: 'Not found' });
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
    const body = await readFile(file);
    const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
    send(res, 200, req.method === 'HEAD' ? undefined : body, {
      'Content-Type': type,
      'Content-Length': body.length,
    });
  } catch {
    sendJson(res, 404, { error: 'Not found' });
  }
}

/** Reads a small JSON body; resolves to {} for an empty one. */
function readJson(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('Request body too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) return resolve({});
      try {
        const value = JSON.parse(text);
        resolve(value && typeof value === 'object' ? value : {});
      } catch {
        reject(Object.assign(new Error('Invalid JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

const str = (v, max = 200) => (typeof v === 'string' ? v.slice(0, max) : '');

/** The canned assistant reply. */
function cannedReply({ provider, model, message, feature }, billedTo) {
  const who = billedTo === 'user' ? 'your own key' : 'platform credits';
  const quoted = message ? `“${message.slice(0, 120)}”` : 'your conversation';
  const task =
    feature === 'deep-analysis'
      ? `Deep analysis of ${quoted}: (demo) three key points, two risks, one next step.`
      : feature === 'fix-code'
        ? `Fixed code for ${quoted}: (demo) the bug was an off-by-one; here is the patch.`
        : message
          ? `(demo reply) You said ${quoted}.`
          : '(demo reply) Hello!';
  return `${task} — ${provider}/${model || 'default'}, paid with ${who}.`;
}

/**
 * Starts the demo server. Resolves to {server, url, close, stats, verifyBaseUrl}.
 * Options: port (0 = any free port), host, credits (initial balance),
 * log (a function receiving one line per API call; default console.log),
 * pkgDir (where the wasm package lives; default ../pkg next to this file),
 * verifyBaseUrl (where the page sends key checks instead of the providers,
 * e.g. the stand-in's http://127.0.0.1:8787; default none: the providers).
 */
export async function startServer({
  port = 8080,
  host = '127.0.0.1',
  credits = 100,
  log = (line) => console.log(line),
  pkgDir = PKG_DIR,
  verifyBaseUrl = null,
} = {}) {
  const verifyBase = normalizeVerifyBaseUrl(verifyBaseUrl);
  const secHeaders = securityHeaders(verifyBase);
  const initial = Number(credits);
  const stats = {
    credits: Number.isFinite(initial) && initial >= 0 ? Math.floor(initial) : 100,
    deductCalls: 0,
    chatCalls: 0,
    byokCalls: 0,
    platformCalls: 0,
    /** SHA-256 (hex) of the last X-User-Api-Key received; never the key. */
    lastUserKeySha256: null,
    lastUserKeyProvider: null,
  };

  async function api(req, res, pathname) {
    if (pathname === '/api/config' && req.method === 'GET') {
      return sendJson(res, 200, { verifyBaseUrl: verifyBase });
    }
    if (pathname === '/api/user/credits' && req.method === 'GET') {
      return sendJson(res, 200, { credits: stats.credits });
    }
    if (pathname === '/api/user/deduct-credits' && req.method === 'POST') {
      await readJson(req);
      stats.deductCalls += 1;
      if (stats.credits <= 0) {
        log('deduct refused: out of credits');
        return sendJson(res, 402, { error: 'Out of credits', credits: 0 });
      }
      stats.credits -= 1;
      log(`deduct 1 credit -> ${stats.credits} left`);
      return sendJson(res, 200, { credits: stats.credits });
    }
    if (pathname === '/api/chat' && req.method === 'POST') {
      const body = await readJson(req);
      const input = {
        provider: str(body.provider, 40),
        model: str(body.model),
        message: str(body.message, 4000),
        feature: str(body.feature, 40),
      };
      stats.chatCalls += 1;
      const userKey = req.headers['x-user-api-key'];
      let billedTo = 'platform';
      if (typeof userKey === 'string' && userKey.length > 0) {
        // A real server would forward the request to the provider with this
        // key and forget it. Here: fingerprint for tests, never log it.
        billedTo = 'user';
        stats.byokCalls += 1;
        stats.lastUserKeySha256 = createHash('sha256').update(userKey).digest('hex');
        stats.lastUserKeyProvider = str(req.headers['x-user-api-provider'], 40) || input.provider;
        log(`byok call for ${stats.lastUserKeyProvider}`);
      } else {
        // The demo trusts the page to have called deduct-credits first; a
        // real backend would deduct inside this handler.
        stats.platformCalls += 1;
        log(`platform call for ${input.provider}${input.feature ? ` (${input.feature})` : ''}`);
      }
      return sendJson(res, 200, { reply: cannedReply(input, billedTo), billedTo });
    }
    return sendJson(res, pathname.startsWith('/api/user/') || pathname === '/api/chat' ? 405 : 404, {
      error: 'Not found',
    });
  }

  const server = http.createServer(async (req, res) => {
    for (const [name, value] of Object.entries(secHeaders)) res.setHeader(name, value);
    try {
      const { pathname } = new URL(req.url || '/', 'http://localhost');
      if (pathname.startsWith('/api/')) return await api(req, res, pathname);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendJson(res, 405, { error: 'Method not allowed' });
      }
      if (pathname.startsWith('/pkg/')) {
        return await serveFile(req, res, pkgDir, pathname.slice('/pkg/'.length));
      }
      return await serveFile(req, res, WWW_DIR, pathname === '/' ? 'index.html' : pathname.slice(1));
    } catch (err) {
      if (!res.headersSent) sendJson(res, err.status || 500, { error: err.status ? err.message : 'Server error' });
      else res.destroy();
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const url = `http://${host}:${addr.port}`;
  const close = () =>
    new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  return { server, url, close, stats, verifyBaseUrl: verifyBase };
}

// Run standalone: `node www/server.mjs`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let verifyBaseUrl;
  try {
    verifyBaseUrl = normalizeVerifyBaseUrl(process.env.VERIFY_BASE_URL);
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  const { url } = await startServer({
    port: Number(process.env.PORT || 8080),
    credits: Number(process.env.CREDITS || 100),
    verifyBaseUrl,
  });
  // localhost, not 127.0.0.1: WebAuthn (the popup's passkeys) refuses an IP address as the site.
  console.log(`Demo on ${url.replace('127.0.0.1', 'localhost')}`);
  console.log(
    verifyBaseUrl
      ? `Key checks go to the stand-in at ${verifyBaseUrl} (no real provider is contacted)`
      : 'Key checks go to the providers (set VERIFY_BASE_URL to use the local stand-in)',
  );
}
