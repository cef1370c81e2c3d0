// What each provider's key check looks like on the wire, as the stand-in
// enforces it: method, path, the exact auth headers (and nothing else the
// page may add), what the CORS preflight allows, and what the provider
// answers in each scenario. Mirrors the provider table (src/providers.rs) and
// docs/VERIFY.md; the tests compare them, so a drift in either fails them.

/** Auth headers (lowercase names) a browser must send with `key`. */
const bearer = (key) => ({ authorization: `Bearer ${key}` });

/**
 * provider id -> { method, path, auth(key) -> headers, allow: extra request
 * headers the provider's preflight accepts, answers: per-scenario overrides }.
 * Providers without a free check (exa, copilotkit) are listed with
 * `unsupported: true` and the headers `authHeaders` must give.
 */
export const PROVIDERS = {
  openai: { method: "GET", path: "/v1/models", auth: bearer },
  anthropic: {
    method: "GET",
    path: "/v1/models",
    auth: (key) => ({
      "x-api-key": key,
      "anthropic-version": "2023-06-01",
      "anthropic-dangerous-direct-browser-access": "true",
    }),
  },
  gemini: {
    method: "GET",
    path: "/v1beta/models",
    auth: (key) => ({ "x-goog-api-key": key }),
    answers: {
      // Google says "bad key" with a 400, not a 401.
      invalid_key: [400, {
        error: {
          code: 400,
          message: "API key not valid. Please pass a valid API key.",
          status: "INVALID_ARGUMENT",
          details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }],
        },
      }],
      forbidden: [403, { error: { code: 403, message: "Generative Language API has not been used in project 0 before or it is disabled.", status: "PERMISSION_DENIED" } }],
    },
  },
  groq: { method: "GET", path: "/openai/v1/models", auth: bearer },
  openrouter: { method: "GET", path: "/api/v1/key", auth: bearer, answers: { valid: [200, { data: { label: "sk-or-v1-abc...xyz", usage: 0, limit: null, is_free_tier: false } }] } },
  perplexity: { method: "GET", path: "/async/chat/completions", auth: bearer, answers: { valid: [200, { requests: [] }] } },
  mistral: { method: "GET", path: "/v1/models", auth: bearer },
  xai: { method: "GET", path: "/v1/models", auth: bearer },
  deepseek: { method: "GET", path: "/models", auth: bearer },
  together: { method: "GET", path: "/v1/models", auth: bearer, answers: { valid: [200, []] } },
  fireworks: { method: "GET", path: "/inference/v1/models", auth: bearer },
  cohere: {
    method: "POST",
    path: "/v1/check-api-key",
    auth: bearer,
    answers: {
      // Cohere's check endpoint answers 200 with valid: false for a bad key.
      valid: [200, { valid: true, organization_id: "org-standin", owner_id: "owner-standin" }],
      invalid_key: [200, { valid: false }],
    },
  },
  huggingface: { method: "GET", path: "/api/whoami-v2", auth: bearer, answers: { valid: [200, { type: "user", name: "standin" }] } },
  bedrock: {
    method: "GET",
    path: "/foundation-models",
    auth: bearer,
    answers: {
      // AWS says "bad key" with a 403 whose text tells it from "no permission".
      invalid_key: [403, { Message: "Authentication failed: Please make sure your API Key is valid." }],
      forbidden: [403, { Message: "User: arn:aws:iam::000000000000:user/standin is not authorized to perform: bedrock:ListFoundationModels" }],
    },
  },
  exa: { unsupported: true, auth: (key) => ({ "x-api-key": key }) },
  copilotkit: { unsupported: true, auth: (key) => ({ "x-copilotcloud-public-api-key": key }) },
  // Checked only at the resource's own endpoint (a baseUrl): without one,
  // "unsupported" and nothing is sent.
  azureopenai: { method: "GET", path: "/openai/v1/models", auth: (key) => ({ "api-key": key }), atBaseUrl: true },
  cerebras: { method: "GET", path: "/v1/models", auth: bearer },
  replicate: { method: "GET", path: "/v1/account", auth: bearer, answers: { valid: [200, { type: "user", username: "standin", name: "Stand-in" }] } },
  elevenlabs: {
    method: "GET",
    path: "/v1/user",
    auth: (key) => ({ "xi-api-key": key }),
    answers: {
      valid: [200, { user_id: "standin", subscription: { tier: "free" } }],
      invalid_key: [401, { detail: { status: "invalid_api_key", message: "Invalid API key" } }],
    },
  },
  xaimanagement: { unsupported: true, auth: bearer },
};

/**
 * Scenarios (the first path segment of a stand-in URL) and the verify code
 * each must produce. `unauthorized` is a plain 401 for every provider, next
 * to `invalid_key`, which is each provider's own way of rejecting a key.
 */
export const SCENARIOS = {
  valid: "valid",
  invalid_key: "invalid_key",
  unauthorized: "invalid_key",
  forbidden: "forbidden",
  no_credit: "forbidden",
  rate_limited: "rate_limited",
  provider_error: "provider_error",
  not_found: "provider_error",
  timeout: "timeout",
  network_error: "network_error",
  cors: "network_error",
  // A 307 to the same endpoint under /valid/: a client that follows it sends
  // the key a second time (recorded as a "valid" request). verify refuses
  // redirects, so it reports no answer.
  redirect: "network_error",
};

/** The default answer of each scenario: [status, JSON body]. */
export const DEFAULT_ANSWERS = {
  valid: [200, { object: "list", data: [{ id: "standin-model", object: "model" }] }],
  invalid_key: [401, { error: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" } }],
  unauthorized: [401, { error: { message: "Unauthorized" } }],
  forbidden: [403, { error: { message: "This key may not list models.", type: "permission_error" } }],
  no_credit: [402, { error: { message: "Insufficient balance." } }],
  rate_limited: [429, { error: { message: "Rate limit reached.", type: "rate_limit_error" } }],
  provider_error: [500, { error: { message: "The server had an error while processing your request." } }],
  not_found: [404, { error: { message: "Not found." } }],
};

/** Request headers every provider's preflight accepts besides its auth headers. */
export const COMMON_ALLOWED = ["content-type", "accept"];

/** A key of each provider that passes the library's offline format check. */
export const SAMPLE_KEYS = {
  openai: "sk-proj-" + "A1b2C3d4_-".repeat(7) + "abcdT3BlbkFJ" + "z9Y8x7W6v5".repeat(7) + "uvwx",
  anthropic: "sk-ant-api03-" + "Q".repeat(93) + "AA",
  gemini: "AIza" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
  groq: "gsk_" + "a1B2c3D4e5".repeat(5) + "F6",
  openrouter: "sk-or-v1-" + "0123456789abcdef".repeat(4),
  perplexity: "pplx-" + "a1B2c3D4e5".repeat(4) + "F6g7h8i9",
  mistral: "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6",
  xai: "xai-" + "a1B2c3D4e5".repeat(8),
  deepseek: "sk-" + "0123456789abcdef".repeat(2),
  together: "tgp_v1_" + "a1B2c3D4e5_-".repeat(3) + "f6G7h8i",
  fireworks: "fw_" + "a1B2c3D4e5".repeat(2) + "F6g7",
  cohere: "a1B2c3D4e5".repeat(3) + "F6g7H8i9J0",
  huggingface: "hf_" + "aBcDeFgHiJ".repeat(3) + "kLmN",
  bedrock: "ABSK" + "QmVkcm9ja0FQSUtleS1zdGFuZGluLWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OQ==".repeat(2),
  exa: "0f8fad5b-d9cb-469f-a165-70867728950e",
  copilotkit: "ck_pub_" + "0123456789abcdef0123456789ABCDEF",
  azureopenai: "a1B2c3D4e5".repeat(8) + "F6g7",
  cerebras: "csk-" + "a1b2c3d4e5".repeat(4) + "f6g7h8i9",
  replicate: "r8_" + "a1B2c3D4e5_-".repeat(3) + "F",
  elevenlabs: "sk_" + "0123456789abcdef".repeat(3),
  xaimanagement: "xai-token-" + "a1B2c3D4e5".repeat(8),
};
