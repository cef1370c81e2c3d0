// byok-keyring/elements: <byok-keys>, the "API keys" settings popup as a
// custom element any page embeds (no framework). Its own entry point: an app
// that does not import it loads none of it.
//
//   <byok-keys namespace="user-42" providers="openai anthropic *"
//              storage="session" platform-only="deep-analysis"></byok-keys>
//   import "byok-keyring/elements";
//   document.querySelector("byok-keys").show();
//
// What it holds: the passphrase step (create, unlock, lock), a row per
// provider (status chip, masked key, Add/Update/Remove, enable switch, model,
// expiry, live validate() feedback, a check with the provider on save), the
// "Remember on this device" switch and "Forget all keys". Everything it
// writes comes from one strings table (STRINGS, replaced through `strings`);
// what the library writes (validation, errors, checks) passes through
// `messages`. Themed by CSS custom properties (--byok-*) and ::part().
//
// Nothing here touches the DOM at import time, so importing it during
// server-side rendering is safe: the element is defined where
// customElements exists.

import init, { Keyring, validate, providers as listProviders } from "./index.js";
// Optional exports (passphraseStrength): read from the namespace, so an entry without them still links.
import * as lib from "./index.js";

/** Every string the element shows; {name}-style placeholders are filled in. */
export const STRINGS = Object.freeze({
  title: "Your API keys",
  intro: "Use your own provider keys instead of platform credits.",
  close: "Close",
  trust: "Your keys are encrypted in this browser with your passphrase and never sent to our servers except with the requests you make.",
  vaultTitle: "Passphrase",
  createTitle: "Set a passphrase",
  createHelp: "It encrypts your keys. We never see it and can't recover it.",
  newPassphrase: "Passphrase ({min}+ characters)",
  confirmPassphrase: "Confirm passphrase",
  create: "Set passphrase",
  creating: "Creating…",
  lockedTitle: "Your keys are locked",
  lockedHelp: "Enter your passphrase to use them in this tab.",
  passphrase: "Passphrase",
  unlock: "Unlock",
  unlocking: "Unlocking…",
  unlockedTitle: "Unlocked",
  unlockedHelp: "Keys are usable in this tab until you lock them.",
  unlockedHelpAutoLock: "Keys are usable in this tab. They lock after {minutes} minutes of inactivity.",
  lock: "Lock",
  mismatch: "The two passphrases are different.",
  created: "Passphrase set. Your keys are unlocked.",
  unlocked: "Unlocked.",
  locked: "Locked. Your keys stay stored, encrypted.",
  corrupt: "Your stored keys could not be read: the saved data is damaged. “Forget all keys” deletes it so you can start over.",
  unavailable: "Could not open your key storage: {message}",
  providersTitle: "Providers",
  moreProviders: "More providers",
  moreConfigured: "{count} configured",
  chipNone: "Not configured",
  chipOk: "Configured",
  chipDisabled: "Disabled",
  chipLocked: "Locked",
  chipExpired: "Expired",
  expiresAt: "expires {when}",
  expiredAt: "expired {when}",
  useKey: "Use my {name} key",
  update: "Update",
  updateLabel: "Update {name} key",
  remove: "Remove",
  removeLabel: "Remove {name} key",
  keyField: "{name} API key",
  keyPlaceholder: "Paste your key",
  keyPlaceholderKeep: "New key (empty keeps the current one)",
  model: "Model (optional)",
  region: "AWS region",
  expires: "Expires",
  expiresNever: "Never",
  expires1h: "1 hour",
  expires1d: "1 day",
  expires30d: "30 days",
  add: "Add",
  save: "Save",
  addLabel: "Add {name} key",
  saveLabel: "Save {name} key",
  checkingButton: "Checking…",
  cancel: "Cancel",
  formLabel: "{name} key",
  getKey: "Get {keyLabel}",
  valid: "✓ {message}",
  moveKey: "Add it to {name} instead",
  enabledOn: "{name} calls use your key.",
  enabledOff: "Key kept but not used: {name} calls use platform credits.",
  removed: "Removed your {name} key.",
  needsCreate: "Set a passphrase above first: it protects your keys.",
  needsUnlock: "Unlock your keys above first.",
  keyExpired: "This key has expired. Paste a new one.",
  savedKept: "Saved. {name} calls now use your key.",
  checking: "Checking with the provider…",
  cancelled: "Check cancelled: nothing was saved.",
  keyWorks: "Key works",
  callsUseKey: "{name} calls now use your key.",
  rejected: "The provider rejected this key",
  unverified: "Could not reach the provider: saved unverified",
  unsupported: "Saved (this provider has no free key check)",
  deviceTitle: "On this device",
  remember: "Remember on this device",
  rememberHelp: "Keys stay encrypted on this device after you close the browser; you'll need your passphrase to unlock them.",
  keptHere: "Kept on this device (encrypted) until you forget them.",
  keptSession: "Kept until you close the browser.",
  movedLocal: "Your keys are now kept on this device. Unlock them again to continue.",
  movedSession: "Your keys now last until you close the browser. Unlock them again to continue.",
  moveFailed: "Could not change where keys are kept: {message}",
  forget: "Forget all keys",
  forgetGroup: "Confirm forgetting all keys",
  forgetQuestion: "Delete every stored key from this browser? This can't be undone.",
  forgetYes: "Forget all keys",
  forgotten: "All keys were deleted from this browser.",
  usePasskey: "Use a passkey instead",
  passkeyCreated: "Passkey set. Your keys are unlocked.",
  passkeyUnlock: "Unlock with a passkey",
  passkeysTitle: "Passkeys",
  addPasskey: "Add a passkey",
  passkeyAdded: "Passkey added: you can unlock with it.",
  passkeyAddedOn: "added {when}",
  removePasskeyLabel: "Remove passkey {name}",
  passkeyRemoved: "Passkey removed.",
  strength: "Passphrase strength",
  strengthWeak: "Weak",
  strengthFair: "Fair",
  strengthGood: "Good",
  strengthStrong: "Strong",
});

const STRENGTH = ["strengthWeak", "strengthWeak", "strengthFair", "strengthGood", "strengthStrong"];

// Providers whose keys belong to a region: their row asks for it, and the
// check goes to that region (`verify.region`). Bedrock (docs/VERIFY.md).
const REGIONAL = ["bedrock"];
const HOUR = 3_600_000;
const EXPIRY = [["", "expiresNever"], [HOUR, "expires1h"], [24 * HOUR, "expires1d"], [720 * HOUR, "expires30d"]];

const svg = (d) => `<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">${d}</svg>`;
const S = 'fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"';
const ICON_LOCK = svg(`<rect x="4.5" y="10.5" width="15" height="10" rx="2.5" ${S}/><path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" ${S}/><circle cx="12" cy="15.5" r="1.4" fill="currentColor"/>`);
const ICON_UNLOCK = svg(`<rect x="4.5" y="10.5" width="15" height="10" rx="2.5" ${S}/><path d="M8 10.5V7.5a4 4 0 0 1 7.7-1.5" ${S}/><circle cx="12" cy="15.5" r="1.4" fill="currentColor"/>`);
const ICON_SHIELD = svg(`<path d="M12 3l7 3v5.5c0 4.4-3 8.2-7 9.5-4-1.3-7-5.1-7-9.5V6z" ${S} stroke-linejoin="round"/><path d="M9 12l2.2 2.2L15.5 10" ${S} stroke-linejoin="round"/>`);
const ICON_CLOSE = svg(`<path d="M6 6l12 12M18 6L6 18" ${S}/>`);

// The popup's static parts. Text is filled in from the strings table
// (data-s: text, data-sa: aria-label), so `strings` can change it any time.
//
// Passkeys ([data-pk], hidden where the browser has no WebAuthn): "Use a
// passkey instead" in #create-form, "Unlock with a passkey" in #unlock-form
// (when the vault has one), "Add a passkey" and the list in #unlocked-panel.
// The strength meter (#strength) shows when the library exports passphraseStrength.
//
// The key field (input.secret) masks what is typed without being a password
// field, so browsers do not offer to save a provider key as a password.
const TEMPLATE = `
<div class="panel" part="panel">
  <header class="head" part="header">
    <span class="badge" aria-hidden="true">${ICON_LOCK}</span>
    <div><h2 id="title" part="title" data-s="title"></h2><p id="intro" data-s="intro"></p></div>
    <button type="button" id="close" class="icon-btn" part="close-button" data-sa="close">${ICON_CLOSE}</button>
  </header>
  <div class="body">
    <p class="trust" part="trust">${ICON_SHIELD}<span data-s="trust"></span></p>
    <section class="vault" part="vault" aria-labelledby="vault-title">
      <h3 id="vault-title" class="sr-only" data-s="vaultTitle"></h3>
      <form id="create-form" class="vault-panel" hidden>
        <div class="vault-text"><strong data-s="createTitle"></strong><span class="muted" data-s="createHelp"></span></div>
        <div class="vault-fields">
          <label class="field"><span id="new-label"></span>
            <input id="passphrase-new" part="input" type="password" autocomplete="new-password" aria-describedby="vault-msg"></label>
          <label class="field"><span data-s="confirmPassphrase"></span>
            <input id="passphrase-confirm" part="input" type="password" autocomplete="new-password" aria-describedby="vault-msg"></label>
          <button type="submit" class="btn btn-primary" part="button primary-button" id="create-btn" data-s="create"></button>
          <button type="button" class="btn btn-outline" part="button" id="pk-create" data-pk data-s="usePasskey"></button>
          <div id="strength" class="strength" hidden><meter id="meter" min="0" max="4" low="2" high="3" optimum="4" data-sa="strength"></meter><span id="strength-text" aria-live="polite"></span></div>
        </div>
      </form>
      <form id="unlock-form" class="vault-panel" hidden>
        <div class="vault-text"><strong>${ICON_LOCK}<span data-s="lockedTitle"></span></strong><span class="muted" data-s="lockedHelp"></span></div>
        <div class="vault-fields">
          <label class="field" id="pass-field"><span data-s="passphrase"></span>
            <input id="passphrase" part="input" type="password" autocomplete="current-password" aria-describedby="vault-msg"></label>
          <button type="submit" class="btn btn-primary" part="button primary-button" id="unlock-btn" data-s="unlock"></button>
          <button type="button" class="btn btn-outline" part="button" id="pk-unlock" data-pk data-s="passkeyUnlock"></button>
        </div>
      </form>
      <div id="unlocked-panel" class="vault-panel vault-unlocked" hidden>
        <div class="vault-text" id="unlocked-status" tabindex="-1"><strong>${ICON_UNLOCK}<span data-s="unlockedTitle"></span></strong><span class="muted" id="unlocked-help"></span></div>
        <button type="button" class="btn btn-outline" part="button" id="lock-btn">${ICON_LOCK}<span data-s="lock"></span></button>
        <div class="passkeys" data-pk><strong id="pk-title" data-s="passkeysTitle"></strong><ul id="pk-list" aria-labelledby="pk-title"></ul>
          <button type="button" class="btn btn-outline btn-sm" part="button" id="pk-add" data-s="addPasskey"></button></div>
      </div>
      <p id="vault-msg" class="notice" part="message" role="status" aria-live="polite"></p>
    </section>
    <section class="providers" aria-labelledby="providers-title">
      <h3 id="providers-title" class="section-title" data-s="providersTitle"></h3>
      <ul id="rows-main" class="rows" part="rows"></ul>
      <details id="more-providers" class="more" hidden>
        <summary><span data-s="moreProviders"></span> <span id="more-count" class="more-count"></span></summary>
        <ul id="rows-more" class="rows" part="rows"></ul>
      </details>
      <slot name="providers-footer"></slot>
    </section>
    <section class="device" part="device" aria-labelledby="device-title">
      <h3 id="device-title" class="section-title" data-s="deviceTitle"></h3>
      <div id="remember-row">
        <div class="device-row">
          <label class="switch switch-labelled" part="switch" for="remember">
            <input type="checkbox" role="switch" id="remember" aria-describedby="remember-help">
            <span class="switch-ui" aria-hidden="true"></span><span data-s="remember"></span>
          </label>
          <span id="store-note" class="muted small"></span>
        </div>
        <p id="remember-help" class="muted small" data-s="rememberHelp"></p>
      </div>
      <div class="danger-zone">
        <button type="button" class="btn btn-danger-outline btn-sm" part="button forget-button" id="forget-btn" data-s="forget"></button>
        <div id="forget-confirm" class="forget-confirm" role="group" data-sa="forgetGroup" hidden>
          <span data-s="forgetQuestion"></span>
          <button type="button" class="btn btn-outline btn-sm" part="button" id="forget-no" data-s="cancel"></button>
          <button type="button" class="btn btn-danger btn-sm" part="button" id="forget-yes" data-s="forgetYes"></button>
        </div>
      </div>
    </section>
  </div>
</div>`;

// Colours and sizes come from --byok-* custom properties set on the element
// or any ancestor; the defaults below pass WCAG AA contrast.
const CSS = `
:host {
  --_bg: var(--byok-surface, #fff); --_text: var(--byok-text, #111827); --_muted: var(--byok-muted, #6b7280);
  --_border: var(--byok-border, #e5e7eb); --_border-strong: var(--byok-border-strong, #d1d5db);
  --_accent: var(--byok-accent, #1f2937); --_accent-text: var(--byok-accent-text, #fff); --_focus: var(--byok-focus, #2563eb);
  --_ok: var(--byok-ok, #047857); --_ok-bg: var(--byok-ok-bg, #ecfdf5);
  --_warn: var(--byok-warn, #92400e); --_warn-bg: var(--byok-warn-bg, #fffbeb);
  --_err: var(--byok-error, #b91c1c); --_err-bg: var(--byok-error-bg, #fef2f2);
  --_radius: var(--byok-radius, 10px);
  display: block; color: var(--_text); font: var(--byok-font, 14px/1.5 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
}
* { box-sizing: border-box; }
h2, h3, p { margin: 0; }
button, input, select { font: inherit; color: inherit; }
[hidden] { display: none !important; }
.is-hidden { visibility: hidden; }
.icon { width: 16px; height: 16px; flex: none; vertical-align: -3px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.muted { color: var(--_muted); }
.small { font-size: 12.5px; }
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
dialog { width: min(760px, calc(100vw - 32px)); max-height: calc(100vh - 48px); padding: 0; border: 1px solid var(--_border);
  border-radius: 14px; background: var(--_bg); color: var(--_text); box-shadow: 0 24px 64px rgb(15 23 42 / .22); }
dialog[open] { display: flex; flex-direction: column; }
dialog::backdrop { background: rgb(15 23 42 / .42); backdrop-filter: blur(2px); }
dialog .panel { display: flex; flex-direction: column; min-height: 0; }
:host([inline]) .panel { background: var(--_bg); border: 1px solid var(--_border); border-radius: 14px; }
:host([inline]) #close { display: none; }
.head { display: grid; grid-template-columns: auto 1fr auto; gap: 14px; align-items: start; padding: 16px 22px 14px; border-bottom: 1px solid var(--_border); }
.head h2 { font-size: 17px; font-weight: 650; }
.head p { color: var(--_muted); }
.badge { width: 38px; height: 38px; border-radius: 10px; background: var(--_ok-bg); color: var(--_ok); display: grid; place-items: center; }
.badge .icon { width: 20px; height: 20px; }
.body { overflow: auto; padding: 14px 22px 20px; display: flex; flex-direction: column; gap: 16px; }
.btn { display: inline-flex; align-items: center; justify-content: center; gap: 6px; height: 36px; padding: 0 14px; border-radius: 8px;
  border: 1px solid transparent; font-weight: 500; cursor: pointer; white-space: nowrap; }
.btn:disabled { opacity: .45; cursor: not-allowed; }
.btn-sm { height: 32px; padding: 0 11px; font-size: 13px; }
.btn-primary { background: var(--_accent); color: var(--_accent-text); }
.btn-outline { background: var(--_bg); border-color: var(--_border-strong); }
.btn-outline:hover:not(:disabled), .icon-btn:hover { background: #f3f4f6; }
.btn-quiet { background: transparent; color: var(--_muted); }
.btn-quiet:hover:not(:disabled) { background: #f3f4f6; color: var(--_err); }
.btn-danger { background: var(--_err); color: #fff; }
.btn-danger-outline { background: var(--_bg); color: var(--_err); border-color: #fecaca; }
.icon-btn { width: 32px; height: 32px; border: 0; border-radius: 8px; background: transparent; display: grid; place-items: center; cursor: pointer; color: var(--_muted); }
.linklike { border: 0; background: none; padding: 0; color: var(--_focus); cursor: pointer; font-weight: 500; text-decoration: underline; text-underline-offset: 2px; }
.field { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.field > span { font-size: 12px; font-weight: 500; color: #374151; }
input[type=text], input[type=password], select { height: 36px; padding: 0 10px; border: 1px solid var(--_border-strong); border-radius: 8px; background: var(--_bg); min-width: 0; }
input:focus, select:focus { outline: none; border-color: var(--_focus); box-shadow: 0 0 0 3px rgb(37 99 235 / .15); }
input.secret { -webkit-text-security: disc; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.trust { display: flex; gap: 10px; align-items: flex-start; font-size: 13px; color: #374151; padding: 10px 12px; border-radius: var(--_radius); background: #f8fafc; border: 1px solid var(--_border); }
.trust .icon { color: var(--_ok); margin-top: 2px; }
.vault { display: flex; flex-direction: column; gap: 6px; }
.vault-panel { display: flex; gap: 16px; align-items: flex-end; justify-content: space-between; flex-wrap: wrap; padding: 14px; border: 1px solid var(--_border); border-radius: var(--_radius); }
.vault-text { display: flex; flex-direction: column; gap: 2px; min-width: 200px; flex: 1; }
.vault-text strong { display: flex; gap: 6px; align-items: center; }
.vault-text:focus { outline: none; }
.vault-fields { display: flex; gap: 10px; align-items: flex-end; flex-wrap: wrap; }
.vault-fields input { width: 190px; }
.vault-unlocked { padding: 10px 14px; align-items: center; background: var(--_ok-bg); border-color: #a7f3d0; }
.vault-unlocked strong { color: var(--_ok); }
.strength, .passkeys { flex-basis: 100%; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; font-size: 12.5px; }
.passkeys ul { list-style: none; margin: 0; padding: 0; display: flex; gap: 8px; flex-wrap: wrap; }
.passkeys li { display: flex; gap: 6px; align-items: center; }
.notice { font-size: 13px; padding: 0 2px; }
.feedback { color: var(--_muted); }
[data-kind=error].notice, .feedback[data-kind=error] { color: var(--_err); }
[data-kind=ok].notice, .feedback[data-kind=ok] { color: var(--_ok); }
.feedback[data-kind=warn] { color: var(--_warn); }
.feedback[data-kind=ok], .feedback[data-kind=warn], .feedback[data-kind=error] { font-weight: 500; }
.feedback[data-kind=busy] { color: #374151; }
.feedback[data-kind=busy]::before { content: ""; display: inline-block; width: 10px; height: 10px; margin-right: 6px; vertical-align: -1px;
  border: 2px solid var(--_border-strong); border-top-color: var(--_accent); border-radius: 50%; animation: spin .8s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .feedback[data-kind=busy]::before { animation: none; } }
.feedback-detail { display: block; color: var(--_muted); }
.section-title { font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: var(--_muted); margin-bottom: 8px; }
.rows { list-style: none; margin: 0; padding: 0; border: 1px solid var(--_border); border-radius: var(--_radius); }
.rows:empty { display: none; }
.prow { padding: 12px 14px; display: flex; flex-direction: column; gap: 8px; }
.prow[data-configured=true]:not([data-editing=true]) { gap: 0; }
.prow + .prow { border-top: 1px solid var(--_border); }
.prow-head { display: grid; grid-template-columns: minmax(150px, 1fr) auto auto auto; gap: 12px; align-items: center; }
.prow-name { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.prow-key { display: flex; flex-direction: column; align-items: flex-end; line-height: 1.3; }
.prow-actions { display: flex; gap: 4px; min-width: 150px; justify-content: flex-end; }
.prow-buttons { display: flex; gap: 6px; }
.prow-meta { font-size: 11.5px; color: var(--_muted); }
.prow[data-configured=true]:not([data-editing=true]) .keylink { display: none; }
.masked { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #374151; letter-spacing: .02em; }
.prow-form { display: grid; grid-template-columns: minmax(0, 1fr) 170px 100px auto; gap: 10px; align-items: end; }
.prow-form.has-region { grid-template-columns: minmax(0, 1fr) 130px 110px 100px auto; }
.prow-form .btn { min-width: 72px; height: 36px; }
.prow-foot { display: flex; justify-content: space-between; gap: 12px; font-size: 12.5px; }
.prow-status { min-width: 0; }
.prow-foot .linklike { font-size: 12.5px; margin-left: 6px; }
.keylink { color: var(--_muted); white-space: nowrap; text-decoration: none; }
.keylink:hover { color: var(--_focus); text-decoration: underline; }
.chip { font-size: 11.5px; font-weight: 600; padding: 1px 8px; border-radius: 999px; border: 1px solid; white-space: nowrap; }
.chip[data-kind=none] { color: var(--_muted); background: #f9fafb; border-color: var(--_border); }
.chip[data-kind=ok] { color: var(--_ok); background: var(--_ok-bg); border-color: #a7f3d0; }
.chip[data-kind=locked] { color: var(--_warn); background: var(--_warn-bg); border-color: #fde68a; }
.chip[data-kind=disabled] { color: #4b5563; background: #f3f4f6; border-color: var(--_border-strong); }
.chip[data-kind=expired] { color: var(--_err); background: var(--_err-bg); border-color: #fecaca; }
.more { margin-top: 10px; }
.more summary { cursor: pointer; color: #374151; font-weight: 500; padding: 6px 2px; width: fit-content; }
.more[open] summary { margin-bottom: 8px; }
.more-count { color: var(--_ok); font-weight: 500; font-size: 12.5px; margin-left: 4px; }
.switch { position: relative; display: inline-flex; align-items: center; gap: 10px; cursor: pointer; }
.switch input { position: absolute; z-index: 1; opacity: 0; width: 36px; height: 20px; margin: 0; cursor: pointer; }
.switch-ui { width: 36px; height: 20px; border-radius: 999px; background: var(--_border-strong); position: relative; flex: none; }
.switch-ui::after { content: ""; position: absolute; top: 2px; left: 2px; width: 16px; height: 16px; border-radius: 50%; background: #fff; box-shadow: 0 1px 2px rgb(0 0 0 / .25); transition: transform .15s; }
.switch input:checked + .switch-ui { background: var(--_ok); }
.switch input:checked + .switch-ui::after { transform: translateX(16px); }
.switch input:focus-visible + .switch-ui { outline: 2px solid var(--_focus); outline-offset: 2px; }
.switch input:disabled + .switch-ui { opacity: .4; }
.switch-labelled { font-weight: 500; }
.device { display: flex; flex-direction: column; gap: 6px; }
.device-row { display: flex; align-items: center; justify-content: space-between; gap: 12px; flex-wrap: wrap; }
.danger-zone { margin-top: 6px; padding-top: 12px; border-top: 1px solid var(--_border); }
.forget-confirm { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; font-size: 13px; color: var(--_err); }
@media (max-width: 640px) {
  .prow-head { grid-template-columns: 1fr auto auto; }
  .prow-key { grid-column: 1 / -1; grid-row: 2; align-items: flex-start; }
  .prow-form, .prow-form.has-region { grid-template-columns: 1fr 1fr; }
  .prow-form .field-key { grid-column: 1 / -1; }
}`;

let sheet; // one constructed stylesheet for every instance (no <style>: a CSP without 'unsafe-inline' allows it)

/** Fills {placeholders} of a string from `vars`. */
const fill = (text, vars = {}) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));

/** Creates an element: `class`, `text` and `part` are handled; true gives an empty attribute; false/null/undefined none. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...children);
  return el;
}

/** Sets text only when it changed: the popup re-renders every second, and an unchanged live region must stay quiet. */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** The element focus is really on, through open shadow roots. */
function deepActive() {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a;
}

/** The status chip of one stored key (or of none): [strings key, kind]. */
function chipFor(info, state) {
  if (!info) return ["chipNone", "none"];
  if (info.expired) return ["chipExpired", "expired"];
  if (!info.enabled) return ["chipDisabled", "disabled"];
  if (state !== "unlocked") return ["chipLocked", "locked"];
  return ["chipOk", "ok"];
}

/** One provider's row: its head (chip, masked key, switch, Update/Remove), its key form and its feedback line. */
class Row {
  constructor(ui, p) {
    this.ui = ui;
    this.p = p;
    this.editing = false; // a configured row shows its form only while it is updated
    this.check = null; // the AbortController of the provider check in flight
    const id = p.id;
    this.chip = h("span", { class: "chip", part: "chip chip-none", id: `chip-${id}` });
    this.masked = h("code", { class: "masked", part: "masked", id: `masked-${id}` });
    this.meta = h("span", { class: "prow-meta", id: `meta-${id}` });
    this.enabled = h("input", { type: "checkbox", role: "switch", id: `enabled-${id}` });
    this.switchEl = h("label", { class: "switch", part: "switch" }, this.enabled, h("span", { class: "switch-ui", "aria-hidden": "true" }));
    this.edit = h("button", { type: "button", class: "btn btn-outline btn-sm", part: "button", id: `edit-${id}` });
    this.remove = h("button", { type: "button", class: "btn btn-quiet btn-sm", part: "button", id: `remove-${id}` });
    const secretAttrs = { type: "text", autocomplete: "off", spellcheck: "false", autocapitalize: "off" };
    this.key = h("input", { ...secretAttrs, id: `key-${id}`, class: "secret", part: "input", autocorrect: "off", "data-1p-ignore": true, "data-lpignore": "true", "aria-describedby": `feedback-${id} detail-${id}` });
    this.model = h("input", { ...secretAttrs, id: `model-${id}`, part: "input", placeholder: p.defaultModel });
    this.expires = h("select", { id: `expires-${id}`, part: "input" });
    this.region = REGIONAL.includes(id) ? h("input", { ...secretAttrs, id: `region-${id}`, part: "input", placeholder: "us-east-1" }) : null;
    this.save = h("button", { type: "submit", class: "btn btn-primary btn-sm", part: "button primary-button", id: `save-${id}` });
    this.cancel = h("button", { type: "button", class: "btn btn-quiet btn-sm", part: "button", id: `cancel-${id}` });
    this.labels = {
      key: h("span"), model: h("span"), expires: h("span"), region: h("span"),
    };
    this.form = h(
      "form",
      { class: this.region ? "prow-form has-region" : "prow-form", id: `form-${id}` },
      h("label", { class: "field field-key" }, this.labels.key, this.key),
      h("label", { class: "field field-model" }, this.labels.model, this.model),
      this.region ? h("label", { class: "field field-region" }, this.labels.region, this.region) : "",
      h("label", { class: "field field-expires" }, this.labels.expires, this.expires),
      h("div", { class: "prow-buttons" }, this.save, this.cancel),
    );
    this.headline = h("span", { class: "feedback", part: "feedback", id: `feedback-${id}` });
    this.detail = h("span", { class: "feedback-detail", id: `detail-${id}`, hidden: true });
    this.fix = h("button", { type: "button", class: "linklike", hidden: true });
    this.linkText = h("span");
    this.link = h("a", { class: "keylink", part: "key-link", href: p.keyUrl, hidden: !p.keyUrl, target: "_blank", rel: "noopener noreferrer" }, this.linkText, h("span", { "aria-hidden": "true", text: " ↗" }));
    this.li = h(
      "li",
      { class: "prow", part: "row", "data-provider": id },
      h(
        "div",
        { class: "prow-head" },
        h("div", { class: "prow-name" }, h("strong", { text: p.name }), this.chip),
        h("div", { class: "prow-key" }, this.masked, this.meta),
        this.switchEl,
        h("div", { class: "prow-actions" }, this.edit, this.remove),
      ),
      this.form,
      h(
        "div",
        { class: "prow-foot" },
        h("div", { class: "prow-status" }, h("span", { class: "prow-live", role: "status", "aria-live": "polite" }, this.headline, this.detail), this.fix),
        this.link,
      ),
    );
    this.applyStrings();

    this.key.addEventListener("input", () => this.liveValidate());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.cancel.addEventListener("click", () => {
      if (this.check) return this.check.abort(); // stops the check: nothing is saved
      this.editing = false;
      this.key.value = "";
      this.say("");
      ui.refresh();
      this.edit.focus();
    });
    this.fix.addEventListener("click", () => ui.moveKey(this, this.fix.dataset.provider));
    this.enabled.addEventListener("change", () => {
      const on = this.enabled.checked;
      try {
        ui.keyring.setEnabled(id, on);
        this.say(this.t(on ? "enabledOn" : "enabledOff"), "ok");
      } catch (err) {
        this.say(ui.libraryMessage("error", err, id), "error");
      }
      ui.refresh();
    });
    this.remove.addEventListener("click", () => {
      try {
        ui.keyring.remove(id);
        this.model.value = "";
        this.say(this.t("removed"), "ok");
      } catch (err) {
        this.say(ui.libraryMessage("error", err, id), "error");
      }
      this.editing = false;
      ui.refresh();
      this.key.focus();
    });
    this.edit.addEventListener("click", () => {
      this.editing = true;
      ui.refresh();
      this.key.focus();
    });
  }

  /** A string of the table with this row's provider filled in. */
  t(name, vars) {
    return fill(this.ui.strings[name], { name: this.p.name, keyLabel: this.p.keyLabel, ...vars });
  }

  applyStrings() {
    const t = (n) => this.t(n);
    this.enabled.setAttribute("aria-label", t("useKey"));
    this.edit.textContent = t("update");
    this.edit.setAttribute("aria-label", t("updateLabel"));
    this.remove.textContent = t("remove");
    this.remove.setAttribute("aria-label", t("removeLabel"));
    this.labels.key.textContent = t("keyField");
    this.labels.model.textContent = t("model");
    this.labels.region.textContent = t("region");
    this.labels.expires.textContent = t("expires");
    this.cancel.textContent = t("cancel");
    this.form.setAttribute("aria-label", t("formLabel"));
    this.linkText.textContent = t("getKey");
    const chosen = this.expires.value;
    this.expires.replaceChildren(...EXPIRY.map(([v, n]) => new Option(t(n), String(v))));
    this.expires.value = chosen;
  }

  /** Shows a headline (kind: ok | warn | error | busy | "") and an optional detail; hides the offer to move the key. */
  say(text, kind = "", detail = "") {
    this.headline.textContent = text;
    this.headline.dataset.kind = kind;
    this.detail.textContent = detail;
    this.detail.hidden = !detail;
    this.fix.hidden = true;
  }

  /** Feedback while typing or pasting: the library's validate(), live. */
  liveValidate() {
    const value = this.key.value;
    if (!value.trim()) return this.say("");
    const v = validate(this.p.id, value);
    const message = this.ui.libraryMessage("validation", v, this.p.id);
    this.say(v.valid ? this.t("valid", { message }) : message, v.valid ? "ok" : "error");
    // The key belongs to another provider the popup shows: offer to move it there.
    const other = v.code === "wrong_provider" && v.detected ? this.ui.rowOf(v.detected) : undefined;
    if (other) {
      this.fix.textContent = fill(this.ui.strings.moveKey, { name: other.p.name });
      this.fix.dataset.provider = other.p.id;
      this.fix.hidden = false;
    }
  }

  /** Shows the stored key `info` (a list() entry, or undefined) in keyring state `state`. */
  render(info, state) {
    const configured = Boolean(info);
    if (!configured) this.editing = false;
    const [label, kind] = chipFor(info, state);
    setText(this.chip, this.ui.strings[label]);
    this.chip.dataset.kind = kind;
    this.chip.setAttribute("part", `chip chip-${kind}`);
    setText(this.masked, info ? info.masked : "");
    let expiry = "";
    if (info?.expiresAt) {
      const when = new Date(info.expiresAt).toLocaleString(this.ui.locale, { dateStyle: "medium", timeStyle: "short" });
      expiry = fill(this.ui.strings[info.expired ? "expiredAt" : "expiresAt"], { when });
    }
    setText(this.meta, [info?.model, expiry].filter(Boolean).join(" · "));
    this.enabled.checked = Boolean(info?.enabled);
    this.enabled.disabled = !info;
    this.switchEl.classList.toggle("is-hidden", !info);
    this.edit.hidden = !info || this.editing;
    this.remove.hidden = !info;
    // Not configured: the form is the row. Configured: Update opens it.
    // While the provider is asked: Save disabled, the key read-only, Cancel stops the check.
    this.form.hidden = configured && !this.editing;
    this.cancel.hidden = !this.editing && !this.check;
    this.save.disabled = Boolean(this.check);
    this.key.readOnly = Boolean(this.check);
    setText(this.save, this.t(this.check ? "checkingButton" : configured ? "save" : "add"));
    this.save.setAttribute("aria-label", this.t(configured ? "saveLabel" : "addLabel"));
    this.key.placeholder = configured ? this.t("keyPlaceholderKeep") : this.p.prefixes.length ? `${this.p.prefixes[0]}…` : this.t("keyPlaceholder");
    this.li.dataset.configured = String(configured);
    this.li.dataset.editing = String(this.editing);
  }

  /** Stops the check (nothing is saved) and leaves no key text behind. */
  clear() {
    this.check?.abort();
    this.key.value = "";
    this.editing = false;
    this.say("");
  }

  /** Add/Save: the offline check, then set(…, { verify }); an empty key on Update keeps the stored key. */
  async submit() {
    const { ui, p } = this;
    const id = p.id;
    const k = ui.keyring;
    if (this.check || !k) return;
    if (k.state !== "unlocked") {
      this.say(this.t(k.state === "empty" ? "needsCreate" : "needsUnlock"), "error");
      ui.needsPassphrase(k.state);
      return;
    }
    let value = this.key.value;
    const keepStored = !value.trim() && ui.list().some((i) => i.provider === id);
    if (keepStored) {
      value = k.get(id);
      if (value === undefined) {
        this.say(this.t("keyExpired"), "error");
        this.key.focus();
        return;
      }
    } else if (!validate(id, value).valid) {
      // Caught before anything is sent, with the same message as while typing.
      this.liveValidate();
      this.key.focus();
      return;
    }
    const opts = {};
    if (this.model.value.trim()) opts.model = this.model.value.trim();
    if (this.expires.value) opts.expiresInMs = Number(this.expires.value);

    const saved = (text, kind, detail) => {
      this.key.value = "";
      this.expires.value = "";
      this.editing = false;
      this.say(text, kind, detail);
      ui.refresh();
      this.edit.focus(); // the form is now hidden: keep focus in the row
    };
    const failed = (err) => {
      if (err.code === "invalid_key" && err.details?.code === "invalid_key") {
        // The provider answered that this key is not valid: nothing was saved.
        this.say(this.t("rejected"), "error", ui.libraryMessage("verification", err.details, id));
      } else if (err.code === "invalid_key") {
        this.liveValidate();
      } else {
        this.say(ui.libraryMessage("error", err, id), "error");
      }
      ui.refresh();
      this.key.focus();
    };

    if (keepStored) {
      // The stored key was checked when it was added: no new request.
      try {
        k.set(id, value, opts);
        saved(this.t("savedKept"), "ok");
      } catch (err) {
        failed(err);
      }
      return;
    }

    const check = new AbortController();
    this.check = check;
    this.form.setAttribute("aria-busy", "true");
    this.say(this.t("checking"), "busy");
    ui.refresh();
    let info;
    let error;
    try {
      const region = this.region?.value.trim() || undefined;
      info = await k.set(id, value, { ...opts, verify: ui.verifyFor(id, region, check.signal) });
    } catch (err) {
      error = err;
    } finally {
      this.check = null;
      this.form.removeAttribute("aria-busy");
    }
    if (check.signal.aborted && !ui.open) return ui.refresh(); // closed meanwhile: the popup cleared the row
    if (error?.name === "AbortError" || check.signal.aborted) {
      this.say(this.t("cancelled"));
      ui.refresh();
      this.key.focus();
      return;
    }
    if (error) return failed(error);
    const v = info.verification;
    const message = ui.libraryMessage("verification", v, id);
    const uses = this.t("callsUseKey");
    if (v.code === "valid") saved(this.t("keyWorks"), "ok", uses);
    else if (v.code === "forbidden" || v.code === "rate_limited") saved(this.t("keyWorks"), "ok", `${message} ${uses}`); // the key authenticated
    else if (v.code === "unsupported") saved(this.t("unsupported"), "ok", uses);
    else saved(this.t("unverified"), "warn", message); // network_error, timeout, provider_error
  }
}

const Base = globalThis.HTMLElement ?? class {};

/** <byok-keys>: see the README's "Settings popup as a component". */
export class ByokKeysElement extends Base {
  static observedAttributes = ["namespace", "providers", "storage", "platform-only"];

  #root = null;
  #el = {}; // the template's elements by id
  #dialog = null; // null in inline mode
  #kr; // the Keyring in use
  #own = false; // whether this element created #kr (and may free and re-create it)
  #storage = "session"; // where #kr keeps its vault, when #own
  #unsubscribe = null;
  #lastState;
  #rows = new Map();
  #strings = STRINGS;
  #options = {};
  #verifyOptions = null;
  #messages = null;
  #opener = null;
  #tick = 0;
  #started = null;
  #resuming = false; // until resume() answers: the unlock form waits
  #pkShown = ""; // what the passkey list shows (rebuilt only when it changes)
  #resolveReady;
  #rejectReady;
  /** Resolves with the element's first keyring (read `keyring` later: "Remember on this device" replaces it). */
  ready = new Promise((resolve, reject) => {
    this.#resolveReady = resolve;
    this.#rejectReady = reject;
  });

  constructor() {
    super();
    this.ready.catch(() => {}); // the failure is shown in the popup; awaiting `ready` still sees it
  }

  connectedCallback() {
    // A property set before the element was defined shadows its accessor: apply it.
    for (const name of ["keyring", "strings", "options", "verifyOptions", "messages"]) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const v = this[name];
        delete this[name];
        this[name] = v;
      }
    }
    if (!this.#root) this.#build();
    this.#subscribe();
    this.#started ??= this.#start();
    this.#syncTick();
  }

  disconnectedCallback() {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#dialog?.close();
    this.#syncTick();
  }

  attributeChangedCallback(name, old, value) {
    if (old === value || !this.#rowsBuilt) return;
    if (name === "providers") this.#buildRows();
    else if (this.#own) this.#reopen();
    this.#refresh();
  }

  // ---- the public API ----

  /** The Keyring the popup manages (undefined until the library is loaded). */
  get keyring() {
    return this.#kr;
  }

  /** Uses an existing Keyring (the app keeps it and frees it); the element stops managing one of its own. */
  set keyring(kr) {
    if (kr === this.#kr) return;
    if (this.#own) this.#kr?.free();
    this.#own = false;
    this.#use(kr);
    this.#resolveReady(kr);
  }

  /** The strings in use: the defaults (STRINGS) with the replacements given. */
  get strings() {
    return this.#strings;
  }

  set strings(replacements) {
    this.#strings = Object.freeze({ ...STRINGS, ...replacements });
    this.#applyStrings();
  }

  /** Options of the Keyring the element creates (besides namespace, storage and platform-only); a change re-opens it. */
  get options() {
    return this.#options;
  }

  set options(options) {
    this.#options = { ...options };
    if (this.#own) this.#reopen();
    this.#applyStrings();
  }

  /** Where key checks go: (provider, { region, signal }) => the `verify` option of set(). Default: the provider itself. */
  get verifyOptions() {
    return this.#verifyOptions;
  }

  set verifyOptions(fn) {
    this.#verifyOptions = fn;
  }

  /** Every sentence the library writes (validation, errors, checks) passes through this function, for translation. */
  get messages() {
    return this.#messages;
  }

  set messages(fn) {
    this.#messages = fn;
  }

  /** Whether the popup is open (always true inline). */
  get open() {
    return this.#dialog ? this.#dialog.open : this.isConnected;
  }

  /** Opens the popup; with a provider id, brings that row into view and focuses it. Focus returns to the opener on close. */
  show(provider) {
    if (!this.#root) this.#build();
    this.#refresh();
    const list = this.#list();
    for (const r of this.#rows.values()) r.model.value = list.find((i) => i.provider === r.p.id)?.model || "";
    const row = provider ? this.#rows.get(provider) : undefined;
    if (row && this.#el["rows-more"].contains(row.li)) this.#el["more-providers"].open = true;
    if (this.#dialog && !this.#dialog.open) {
      this.#opener = deepActive();
      this.#dialog.showModal();
      this.#syncTick();
    }
    const state = this.#kr?.state;
    if (state === "unlocked") {
      if (row) (row.li.dataset.configured === "true" ? row.edit : row.key).focus();
    } else this.#focusPassphrase(state);
    row?.li.scrollIntoView({ block: "nearest" });
  }

  /** Closes the popup (a dialog): stops any key check, clears what was typed, and returns focus. */
  close() {
    this.#dialog?.close();
  }

  // ---- building ----

  get #rowsBuilt() {
    return this.#started !== null && this.#rows.size > 0;
  }

  #build() {
    const root = (this.#root = this.attachShadow({ mode: "open" }));
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
    const inline = this.hasAttribute("inline");
    const box = inline
      ? h("div", { id: "dialog", role: "region", "aria-labelledby": "title" })
      : h("dialog", { id: "dialog", part: "dialog", "aria-labelledby": "title", "aria-describedby": "intro" });
    box.innerHTML = TEMPLATE;
    root.append(box);
    for (const el of root.querySelectorAll("[id]")) this.#el[el.id] = el;
    const e = this.#el;
    if (!inline) {
      this.#dialog = box;
      e.close.addEventListener("click", () => box.close());
      // A click on the backdrop (outside the dialog's box) closes it too.
      box.addEventListener("click", (ev) => {
        if (ev.target !== box) return;
        const b = box.getBoundingClientRect();
        if (ev.clientX < b.left || ev.clientX > b.right || ev.clientY < b.top || ev.clientY > b.bottom) box.close();
      });
      box.addEventListener("close", () => {
        this.#clear();
        this.#syncTick();
        const opener = this.#opener;
        this.#opener = null;
        if (opener?.isConnected) opener.focus();
      });
    }
    e["create-form"].addEventListener("submit", (ev) => this.#create(ev));
    e["unlock-form"].addEventListener("submit", (ev) => this.#unlock(ev));
    e["lock-btn"].addEventListener("click", () => {
      this.#kr?.lock();
      this.#say(this.#strings.locked, "ok");
      this.#refresh();
      this.#focusPassphrase("locked");
    });
    e.remember.addEventListener("change", () => this.#setRemember(e.remember.checked));
    e["forget-btn"].addEventListener("click", () => {
      e["forget-confirm"].hidden = false;
      e["forget-btn"].hidden = true;
      e["forget-no"].focus();
    });
    e["forget-no"].addEventListener("click", () => {
      this.#closeConfirm();
      e["forget-btn"].focus();
    });
    e["forget-yes"].addEventListener("click", () => this.#forget());
    // Passkeys: only where the browser has WebAuthn.
    if (typeof PublicKeyCredential !== "function") for (const el of root.querySelectorAll("[data-pk]")) el.remove();
    e["pk-create"].addEventListener("click", () => this.#passkey(e["pk-create"], (k) => k.create({ passkey: {} }), "passkeyCreated"));
    e["pk-unlock"].addEventListener("click", () => this.#passkey(e["pk-unlock"], (k) => k.unlockWithPasskey(), "unlocked"));
    e["pk-add"].addEventListener("click", () => this.#passkey(e["pk-add"], (k) => k.addPasskey({}), "passkeyAdded"));
    e["pk-list"].addEventListener("click", (ev) => {
      const b = ev.target.closest("button");
      if (b) this.#passkey(b, (k) => k.removePasskey(b.dataset.id), "passkeyRemoved", e["pk-add"]);
    });
    e["passphrase-new"].addEventListener("input", () => this.#strength());
    this.#applyStrings();
  }

  async #start() {
    try {
      await init();
      if (!this.#kr) {
        this.#own = true;
        this.#storage = this.#vaultStorage();
        this.#use(new Keyring(this.#keyringOptions(this.#storage)));
        // Resume (options.resume "tab", the default): unlocked again after a reload of this tab, no prompt.
        if (this.#kr.state === "locked" && this.#keyringOptions().resume === "tab") {
          this.#resuming = true;
          this.#refresh();
          await this.#kr.resume().catch(() => {}).finally(() => (this.#resuming = false));
        }
      }
      // After the keyring: its `providers` option defines the app's own.
      this.#buildRows();
      this.#resolveReady(this.#kr);
    } catch (err) {
      this.#say(fill(this.#strings.unavailable, { message: this.#libraryMessage("error", err) }), "error");
      this.#rejectReady(err);
    }
    this.#refresh();
  }

  #buildRows() {
    const e = this.#el;
    const all = listProviders();
    const tokens = (this.getAttribute("providers") ?? "").split(/\s+/).filter(Boolean);
    const listed = tokens.filter((t) => t !== "*").map((t) => all.find((p) => p.id === t)).filter(Boolean);
    const main = tokens.length ? listed : all;
    // "*": every other provider, under "More providers".
    const more = tokens.includes("*") ? all.filter((p) => !listed.includes(p)) : [];
    for (const r of this.#rows.values()) r.clear();
    this.#rows.clear();
    const rowsOf = (ps) => ps.map((p) => {
      const r = new Row(this.#ui, p);
      this.#rows.set(p.id, r);
      return r.li;
    });
    e["rows-main"].replaceChildren(...rowsOf(main));
    e["rows-more"].replaceChildren(...rowsOf(more));
    e["more-providers"].hidden = more.length === 0;
  }

  #applyStrings() {
    if (!this.#root) return;
    const s = this.#strings;
    for (const el of this.#root.querySelectorAll("[data-s]")) el.textContent = s[el.dataset.s];
    for (const el of this.#root.querySelectorAll("[data-sa]")) el.setAttribute("aria-label", s[el.dataset.sa]);
    const e = this.#el;
    e["new-label"].textContent = fill(s.newPassphrase, { min: this.#options.minPassphraseLength ?? 8 });
    const ms = this.#options.autoLockMs;
    e["unlocked-help"].textContent = ms ? fill(s.unlockedHelpAutoLock, { minutes: Math.round(ms / 60_000) }) : s.unlockedHelp;
    for (const r of this.#rows.values()) r.applyStrings();
    this.#pkShown = "";
    this.#refresh();
  }

  // ---- the keyring ----

  /** The element's keyring options: resume "tab" unless `options` say otherwise (memory cannot resume). */
  #keyringOptions(storage = this.#storage) {
    const platformOnly = (this.getAttribute("platform-only") ?? "").split(/\s+/).filter(Boolean);
    const resume = storage === "memory" ? {} : { resume: "tab" };
    return { ...resume, ...this.#options, namespace: this.getAttribute("namespace") ?? undefined, storage, platformOnly };
  }

  /** The storage attribute: "session" (default), "local" or "memory". */
  get #storageAttr() {
    const s = this.getAttribute("storage");
    return s === "local" || s === "memory" ? s : "session";
  }

  /** The storage item of this namespace's vault (`byok-keyring:<namespace>`, docs/FORMAT.md). */
  get #item() {
    return `byok-keyring:${this.getAttribute("namespace") ?? "default"}`;
  }

  /**
   * Where the vault is: the storage that holds it ("Remember on this device"
   * moves it), else the storage attribute (for a new vault).
   */
  #vaultStorage() {
    const attr = this.#storageAttr;
    if (attr === "memory") return attr;
    try {
      if (localStorage.getItem(this.#item) !== null) return "local";
      if (sessionStorage.getItem(this.#item) !== null) return "session";
    } catch {
      // Storage blocked: the Keyring says so when it opens.
    }
    return attr;
  }

  #reopen() {
    if (!this.#kr) return;
    const storage = this.#vaultStorage();
    const next = new Keyring(this.#keyringOptions(storage));
    this.#retire();
    this.#storage = storage;
    this.#use(next, "replaced");
  }

  /** Frees the element's keyring before a new one replaces it, locked first: its tab's resume ticket ends (the new one asks again). */
  #retire() {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    try {
      this.#kr.lock();
    } catch {
      // Nothing to lock.
    }
    this.#kr.free();
  }

  #use(kr, change) {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#kr = kr;
    this.#subscribe();
    if (change) this.#changed({ type: change, state: kr.state });
    else this.#lastState = kr?.state;
    this.#refresh();
  }

  #subscribe() {
    if (this.#unsubscribe || !this.#kr || !this.isConnected) return;
    this.#unsubscribe = this.#kr.onChange((event) => {
      this.#changed(event);
      this.#refresh();
    });
  }

  /** Dispatches byok-change, and byok-unlock / byok-lock when the state crosses "unlocked". */
  #changed(event) {
    const detail = { ...event };
    const was = this.#lastState;
    this.#lastState = event.state;
    this.dispatchEvent(new CustomEvent("byok-change", { detail, bubbles: true }));
    if (event.state === "unlocked" && was !== "unlocked") this.dispatchEvent(new CustomEvent("byok-unlock", { detail, bubbles: true }));
    if (event.state !== "unlocked" && was === "unlocked") this.dispatchEvent(new CustomEvent("byok-lock", { detail, bubbles: true }));
  }

  #list() {
    try {
      return this.#kr?.list() ?? [];
    } catch (err) {
      this.#say(err.code === "corrupt" ? this.#strings.corrupt : this.#libraryMessage("error", err), "error");
      return [];
    }
  }

  // ---- passphrase step ----

  #say(text, kind = "") {
    if (!this.#root) return;
    this.#el["vault-msg"].textContent = text;
    this.#el["vault-msg"].dataset.kind = kind;
  }

  #focusPassphrase(state) {
    if (state === "empty") this.#el["passphrase-new"].focus();
    else if (state === "locked") (this.#el["pass-field"].hidden ? this.#el["pk-unlock"] : this.#el.passphrase).focus();
  }

  /** Disables a form's submit button, with a busy label, while `work` runs. */
  async #busy(form, label, work) {
    const button = form.querySelector("button[type=submit]");
    const idle = button.textContent;
    button.disabled = true;
    button.textContent = label;
    form.setAttribute("aria-busy", "true");
    try {
      await work();
    } finally {
      button.disabled = false;
      button.textContent = idle;
      form.removeAttribute("aria-busy");
    }
  }

  async #create(ev) {
    ev.preventDefault();
    const e = this.#el;
    if (!this.#kr) return;
    if (e["passphrase-new"].value !== e["passphrase-confirm"].value) {
      this.#say(this.#strings.mismatch, "error");
      e["passphrase-confirm"].focus();
      return;
    }
    await this.#busy(e["create-form"], this.#strings.creating, async () => {
      try {
        await this.#kr.create(e["passphrase-new"].value);
        e["passphrase-new"].value = e["passphrase-confirm"].value = "";
        e.strength.hidden = true;
        this.#say(this.#strings.created, "ok");
      } catch (err) {
        this.#say(this.#libraryMessage("error", err), "error");
        e["passphrase-new"].focus();
      }
    });
    this.#refresh();
    if (this.#kr.state === "unlocked") e["unlocked-status"].focus();
  }

  async #unlock(ev) {
    ev.preventDefault();
    const e = this.#el;
    if (!this.#kr) return;
    await this.#busy(e["unlock-form"], this.#strings.unlocking, async () => {
      try {
        await this.#kr.unlock(e.passphrase.value);
        e.passphrase.value = "";
        this.#say(this.#strings.unlocked, "ok");
      } catch (err) {
        this.#say(this.#libraryMessage("error", err), "error");
        e.passphrase.select();
      }
    });
    this.#refresh();
    if (this.#kr.state === "unlocked") e["unlocked-status"].focus();
    else e.passphrase.focus();
  }

  /** A passkey action of `button` (busy while the browser asks); then says `done` or the library's error, and refreshes. */
  async #passkey(button, work, done, focusAfter = button) {
    const k = this.#kr;
    if (!k) return;
    const was = k.state;
    button.disabled = true;
    try {
      await work(k);
      this.#say(this.#strings[done], "ok");
    } catch (err) {
      this.#say(this.#libraryMessage("error", err), "error");
    }
    button.disabled = false;
    this.#refresh();
    (k.state === "unlocked" && was !== "unlocked" ? this.#el["unlocked-status"] : focusAfter.isConnected ? focusAfter : this.#el["pk-add"]).focus();
  }

  /** The strength meter under the new passphrase: shown when the library has passphraseStrength and something is typed. */
  #strength() {
    const e = this.#el;
    const value = e["passphrase-new"].value;
    const rate = lib.passphraseStrength;
    e.strength.hidden = !value || typeof rate !== "function";
    if (e.strength.hidden) return;
    const { score, warning } = rate(value);
    e.meter.value = score;
    const label = this.#strings[STRENGTH[score]];
    setText(e["strength-text"], warning ? `${label}: ${this.#libraryMessage("strength", warning)}` : label);
  }

  // ---- on this device ----

  /** Whether the element keeps its own keyring in session or local storage (so it can move the vault). */
  get #canRemember() {
    return this.#own && this.#storageAttr !== "memory";
  }

  /** "Remember on this device": moves the encrypted vault item between sessionStorage and localStorage and re-opens the keyring there (locked). */
  #setRemember(remember) {
    const wasUnlocked = this.#kr?.state === "unlocked";
    try {
      const [from, to] = remember ? [sessionStorage, localStorage] : [localStorage, sessionStorage];
      const item = from.getItem(this.#item);
      if (item !== null) {
        to.setItem(this.#item, item); // copy first (may throw when full): never lose the vault
        from.removeItem(this.#item);
      }
      const storage = remember ? "local" : "session";
      const next = new Keyring(this.#keyringOptions(storage));
      this.#retire();
      this.#storage = storage;
      this.#use(next, "replaced");
      if (wasUnlocked && next.state === "locked") this.#say(this.#strings[remember ? "movedLocal" : "movedSession"], "ok");
    } catch (err) {
      this.#say(fill(this.#strings.moveFailed, { message: this.#libraryMessage("error", err) }), "error");
    }
    this.#refresh();
  }

  #closeConfirm() {
    this.#el["forget-confirm"].hidden = true;
    this.#el["forget-btn"].hidden = false;
  }

  #forget() {
    try {
      this.#kr.reset();
      if (this.#canRemember) for (const s of [sessionStorage, localStorage]) s.removeItem(this.#item);
      this.#say(this.#strings.forgotten, "ok");
    } catch (err) {
      this.#say(this.#libraryMessage("error", err), "error");
    }
    this.#closeConfirm();
    for (const r of this.#rows.values()) {
      r.model.value = "";
      r.say("");
    }
    this.#refresh();
    this.#focusPassphrase(this.#kr?.state);
  }

  // ---- rendering ----

  /** Re-reads the keyring and updates every part in place (rows are never rebuilt, so typing is not disturbed). */
  #refresh() {
    if (!this.#root) return;
    const e = this.#el;
    const state = this.#kr?.state;
    // Auto-lock and other tabs change the state too: report it once.
    if (state && state !== this.#lastState && this.#lastState !== undefined) this.#changed({ type: state === "unlocked" ? "unlocked" : "locked", state });
    e["create-form"].hidden = state !== "empty";
    e["unlock-form"].hidden = state !== "locked" || this.#resuming;
    e["unlocked-panel"].hidden = state !== "unlocked";
    this.#renderPasskeys(state);
    e.dialog.dataset.state = state ?? "loading";
    const byProvider = new Map(this.#list().map((i) => [i.provider, i]));
    let moreConfigured = 0;
    for (const r of this.#rows.values()) {
      const info = byProvider.get(r.p.id);
      r.render(info, state);
      if (info && e["rows-more"].contains(r.li)) moreConfigured += 1;
    }
    setText(e["more-count"], moreConfigured ? fill(this.#strings.moreConfigured, { count: moreConfigured }) : "");
    const remember = this.#storage === "local";
    e["remember-row"].hidden = !this.#canRemember;
    e.remember.checked = remember;
    // Moving the vault re-creates the keyring: not while a check stores into it.
    e.remember.disabled = !this.#kr || [...this.#rows.values()].some((r) => r.check);
    setText(e["store-note"], this.#strings[remember ? "keptHere" : "keptSession"]);
    e["forget-btn"].disabled = !state || state === "empty";
  }

  /** The vault's unlock methods: "Unlock with a passkey" when it has one, no passphrase field when it has none, the list of passkeys. */
  #renderPasskeys(state) {
    const e = this.#el;
    let methods = [];
    try {
      if (state === "locked" || state === "unlocked") methods = this.#kr.unlockMethods();
    } catch {
      // A damaged vault: #list says so.
    }
    const keys = methods.filter((m) => m.kind === "passkey");
    e["pass-field"].hidden = e["unlock-btn"].hidden = methods.length > 0 && !methods.some((m) => m.kind === "passphrase");
    e["pk-unlock"].hidden = !keys.length;
    const shown = JSON.stringify(keys);
    if (shown === this.#pkShown) return;
    this.#pkShown = shown;
    const s = this.#strings;
    e["pk-list"].replaceChildren(...keys.map((k) => {
      const when = new Date(k.createdAt).toLocaleDateString(this.#ui.locale, { dateStyle: "medium" });
      return h("li", {}, h("span", { text: k.name }), h("span", { class: "muted", text: fill(s.passkeyAddedOn, { when }) }),
        h("button", { type: "button", class: "btn btn-quiet btn-sm", part: "button", "data-id": k.id, "aria-label": fill(s.removePasskeyLabel, { name: k.name }), text: s.remove }));
    }));
  }

  /** Re-renders once a second while visible: keys expire and the keyring auto-locks while the page sits idle. */
  #syncTick() {
    const visible = this.isConnected && this.open;
    if (visible && !this.#tick) this.#tick = setInterval(() => this.#refresh(), 1000);
    if (!visible && this.#tick) {
      clearInterval(this.#tick);
      this.#tick = 0;
    }
  }

  /** When the dialog closes: stops every check; no key, passphrase or message is left behind. */
  #clear() {
    for (const r of this.#rows.values()) r.clear();
    const e = this.#el;
    e["passphrase-new"].value = e["passphrase-confirm"].value = e.passphrase.value = "";
    e.strength.hidden = true;
    this.#say("");
    this.#closeConfirm();
    this.#refresh();
  }

  // ---- what the rows use (not part of the element's API) ----

  #ui = {
    el: this,
    get keyring() {
      return this.el.#kr;
    },
    get strings() {
      return this.el.#strings;
    },
    get open() {
      return this.el.open;
    },
    get locale() {
      return this.el.closest("[lang]")?.lang || undefined;
    },
    rowOf: (id) => this.#rows.get(id),
    list: () => this.#list(),
    refresh: () => this.#refresh(),
    needsPassphrase: (state) => this.#focusPassphrase(state),
    /** The `verify` option of set() for a check of `provider`'s key. */
    verifyFor: (provider, region, signal) =>
      this.#verifyOptions ? this.#verifyOptions(provider, { region, signal }) : region ? { region, signal } : { signal },
    libraryMessage: (source, m, provider) => this.#libraryMessage(source, m, provider),
    /** Moves the key typed in row `from` to the row of provider `toId`. */
    moveKey: (from, toId) => {
      const to = this.#rows.get(toId);
      if (!to) return;
      if (this.#el["rows-more"].contains(to.li)) this.#el["more-providers"].open = true;
      to.key.value = from.key.value;
      from.key.value = "";
      from.say("");
      if (to.li.dataset.configured === "true") to.editing = true;
      this.#refresh();
      to.liveValidate();
      to.key.focus();
    },
  };

  /** A sentence of the library (a Validation, a Verification or a KeyringError), through `messages`. */
  #libraryMessage(source, m, provider) {
    const message = String(m?.message ?? m);
    return this.#messages ? this.#messages({ source, code: m?.code ?? "", message, provider }) : message;
  }
}

if (globalThis.customElements && !customElements.get("byok-keys")) customElements.define("byok-keys", ByokKeysElement);
