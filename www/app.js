// The demo chat app: credits in the header, a provider/model picker, a
// message box, and a Send button whose billing follows the user's keyring.
// The "API keys" popup is <byok-keys> (byok-keyring/elements): it opens the
// user's keyring, and the chat reads it from the element.
//
// Query parameters: ?iterations=100000 lowers the PBKDF2 work for new vaults
// (the tests use it; the default is the library's 600,000). ?scenario=… picks
// the stand-in's answer when the server sends key checks to the stand-in.
// ?resume=off: a reload asks for the passphrase again (the popup's default is
// resume "tab": a reload of the tab stays unlocked).

import { byId, setText } from './dom.js';
import { createVerifyTarget } from './verify-target.js';

const PLATFORM_PROVIDERS = ['openai', 'anthropic', 'gemini']; // served with our credits
const PLATFORM_ONLY = ['deep-analysis', 'fix-code']; // features we always pay for
const AUTO_LOCK_MS = 30 * 60 * 1000;

const $ = byId;
const ui = {
  banner: $('banner'),
  credits: $('credits-value'),
  settingsBtn: $('settings-btn'),
  settings: $('settings'), // <byok-keys>, namespace "demo-user" (the signed-in user's id: one vault per user)
  log: $('log'),
  composer: $('composer'),
  provider: $('provider'),
  model: $('model'),
  message: $('message'),
  send: $('send'),
  billing: $('billing'),
  billingText: $('billing-text'),
  billingAction: $('billing-action'),
  features: [...document.querySelectorAll('[data-feature]')],
};

function fatal(text) {
  ui.banner.textContent = text;
  ui.banner.hidden = false;
  for (const el of [ui.send, ui.settingsBtn, ...ui.features]) el.disabled = true;
}

// ---- load the library ----

// Where key checks go: the providers (verifyBaseUrl null), or the local
// stand-in the server was started with (VERIFY_BASE_URL). Fetched while the
// library loads; if it fails, checks go to the providers.
const configLoaded = fetch('/api/config')
  .then((res) => (res.ok ? res.json() : {}))
  .catch(() => ({}));

// The package's entry, as an app imports `byok-keyring` (no bundler here, so
// by path). Imported dynamically so that a missing build shows a message.
let byok;
try {
  byok = await import('../pkg/index.js');
  await byok.default(); // init(): fetches byok_keyring_bg.wasm next to the module
} catch (err) {
  fatal('The keyring library is not built yet. Build pkg/ (make build) and reload.');
  throw err;
}

const params = new URLSearchParams(location.search);
const iterations = params.has('iterations') ? Number(params.get('iterations')) : undefined;
const config = await configLoaded;
const verifyBaseUrl = typeof config.verifyBaseUrl === 'string' && config.verifyBaseUrl ? config.verifyBaseUrl : null;

// The popup: the platform's providers first, every other one under "More
// providers"; the features we always pay for; the keyring's other options.
// Set before the element is defined, so its keyring opens with them.
ui.settings.setAttribute('providers', [...PLATFORM_PROVIDERS, '*'].join(' '));
ui.settings.setAttribute('platform-only', PLATFORM_ONLY.join(' '));
ui.settings.options = {
  platformProviders: PLATFORM_PROVIDERS,
  autoLockMs: AUTO_LOCK_MS,
  ...(iterations === undefined ? {} : { iterations }),
  ...(params.get('resume') === 'off' ? { resume: 'off' } : {}),
};
// Where its key checks go: the providers, or the stand-in (with its picker, slotted into the popup).
const target = createVerifyTarget({
  verifyBaseUrl,
  scenario: params.get('scenario') ?? '',
  note: $('standin-note'),
  url: $('standin-url'),
  picker: $('verify-scenario'),
});
ui.settings.verifyOptions = (provider, { region, signal }) => target.options(provider, region, signal);

try {
  await import('../pkg/elements.js');
  await ui.settings.ready;
} catch (err) {
  fatal(`Could not open your key storage: ${err.message}`);
  throw err;
}

const providers = byok.providers();
const providerById = new Map(providers.map((p) => [p.id, p]));
/** The user's keyring: the popup's (it opens a new one when "Remember on this device" changes). */
const kr = () => ui.settings.keyring;
let busy = false; // a request is in flight

// ---- provider and model picker ----

function fillProviderPicker() {
  const groups = [
    ['Included with your plan', providers.filter((p) => PLATFORM_PROVIDERS.includes(p.id))],
    ['With your own key', providers.filter((p) => !PLATFORM_PROVIDERS.includes(p.id))],
  ];
  for (const [label, list] of groups) {
    const group = document.createElement('optgroup');
    group.label = label;
    for (const p of list) group.append(new Option(p.name, p.id));
    ui.provider.append(group);
  }
  ui.provider.value = 'openai';
}

/** The model to show for a provider: the one saved with the key, else the default. */
function modelFor(providerId) {
  let info;
  try {
    info = kr().list().find((k) => k.provider === providerId);
  } catch {
    // A corrupt vault: the settings popup explains it.
  }
  return info?.model || providerById.get(providerId).defaultModel;
}

function refreshModel() {
  ui.model.value = modelFor(ui.provider.value);
}

// ---- who pays: the indicator next to Send ----

function refreshBilling() {
  const id = ui.provider.value;
  const { name } = providerById.get(id);
  const k = kr();
  const served = PLATFORM_PROVIDERS.includes(id);
  let mode;
  let text;
  if (k.isByok(id)) {
    mode = 'byok';
    text = `Using your own key`;
  } else if (k.source(id) === 'user') {
    // A key is stored but the keyring is locked (after a reload, say).
    mode = 'locked';
    text = served
      ? `Using platform credits · your ${name} key is locked`
      : `Your ${name} key is locked: unlock it to use ${name}`;
  } else if (served) {
    mode = 'platform';
    text = 'Using platform credits · 1 credit per message';
  } else {
    mode = 'none';
    text = `${name} needs your own key`;
  }
  // Runs every second inside a live region: only touch what changed.
  ui.billing.dataset.mode = mode;
  setText(ui.billingText, text);
  ui.billingAction.hidden = mode !== 'locked' && mode !== 'none';
  setText(ui.billingAction, mode === 'locked' ? 'Unlock' : 'Add key');
  ui.send.disabled = mode === 'none' || (mode === 'locked' && !served) || busy;
  for (const b of ui.features) {
    b.disabled = !served || busy;
    b.title = served ? 'Always uses platform credits' : `Not available for ${name}`;
  }
}

// ---- credits ----

function showCredits(n) {
  ui.credits.textContent = String(n);
}

async function loadCredits() {
  try {
    const res = await fetch('/api/user/credits');
    if (res.ok) showCredits((await res.json()).credits);
  } catch {
    showCredits('—');
  }
}

// ---- the conversation ----

function addMessage(role, text, meta) {
  const li = document.createElement('li');
  li.className = `msg msg-${role}`;
  const bubble = document.createElement('div');
  bubble.className = 'bubble';
  bubble.textContent = text;
  li.append(bubble);
  if (meta) {
    const m = document.createElement('div');
    m.className = 'meta';
    m.textContent = meta;
    li.append(m);
  }
  ui.log.querySelector('.empty-state')?.remove();
  ui.log.append(li);
  li.scrollIntoView({ block: 'end' });
}

const FEATURE_LABEL = { 'deep-analysis': 'Deep analysis', 'fix-code': 'Fix code' };

/**
 * One request. `feature` is undefined for a plain message. The keyring
 * decides who pays: shouldDeductCredits() → deduct a credit first, and call
 * the API without the user's key; otherwise send the key with the request.
 */
async function send(feature) {
  const provider = ui.provider.value;
  const model = ui.model.value.trim() || providerById.get(provider).defaultModel;
  const message = ui.message.value.trim();
  if (!message && !feature) {
    ui.message.focus();
    return;
  }
  busy = true;
  refreshBilling();
  try {
    const k = kr();
    const headers = { 'Content-Type': 'application/json' };
    // get() is undefined if the key expired since the decision: then pay.
    const userKey = k.shouldDeductCredits(provider, feature) ? undefined : k.get(provider);
    addMessage('user', feature ? `${FEATURE_LABEL[feature]}${message ? `: ${message}` : ''}` : message);
    if (userKey === undefined) {
      const res = await fetch('/api/user/deduct-credits', {
        method: 'POST',
        headers,
        body: JSON.stringify({ provider, feature }),
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 402) {
        showCredits(0);
        addMessage('system', 'Out of credits. Add your own API key in API keys to keep chatting.');
        return;
      }
      if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
      showCredits(body.credits);
    } else {
      headers['X-User-Api-Key'] = userKey;
      headers['X-User-Api-Provider'] = provider;
    }
    k.recordUsage(provider, feature);
    const res = await fetch('/api/chat', {
      method: 'POST',
      headers,
      body: JSON.stringify({ provider, model, message, feature }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
    const { name } = providerById.get(provider);
    addMessage(
      'assistant',
      body.reply,
      body.billedTo === 'user' ? `${name} · ${model} · billed to your key` : `${name} · ${model} · 1 credit`,
    );
    if (!feature) ui.message.value = '';
  } catch (err) {
    addMessage('system', `Something went wrong: ${err.message}`);
  } finally {
    busy = false;
    refreshBilling();
  }
}

// ---- wiring ----

fillProviderPicker();
refreshModel();
refreshBilling();
loadCredits();

ui.provider.addEventListener('change', () => {
  refreshModel();
  refreshBilling();
});
ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  if (!ui.send.disabled) send();
});
ui.message.addEventListener('keydown', (e) => {
  // Enter sends, Shift+Enter adds a line.
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.composer.requestSubmit();
  }
});
for (const b of ui.features) b.addEventListener('click', () => send(b.dataset.feature));

ui.settingsBtn.addEventListener('click', () => ui.settings.show());
ui.billingAction.addEventListener('click', () => ui.settings.show(ui.provider.value));

ui.settings.addEventListener('byok-change', (e) => {
  refreshBilling();
  if (['set', 'removed', 'reset', 'replaced'].includes(e.detail.type)) refreshModel();
});

// Keys can expire and the keyring can auto-lock while the page sits idle;
// the checks are cheap, so re-evaluate once a second (the open popup does the same).
setInterval(refreshBilling, 1000);

// Test hook (the e2e tests drive the keyring through it). It exposes nothing
// a script on this page could not reach anyway.
window.__demo = {
  get keyring() {
    return kr();
  },
  ready: true,
};
document.documentElement.dataset.ready = 'true';
