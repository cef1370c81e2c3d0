// What a provider row says about the key check with the provider (the
// library's `set(…, { verify })`, docs/VERIFY.md). Words only, no DOM:
// feedback.js shows them.
//
//   the key authenticated (valid, forbidden, rate_limited)  "Key works"           saved
//   the provider rejected it (set() rejects, invalid_key)   "The provider rejected this key"   not saved
//   no answer (network_error, timeout, provider_error)      "Could not reach the provider: saved unverified"
//   unsupported (no free check)                             "Saved (this provider has no free key check)"

/** While the provider is asked. */
export const CHECKING = 'Checking with the provider…';

/** After Cancel stopped the check. */
export const CANCELLED = 'Check cancelled: nothing was saved.';

/**
 * What the row says after `set(…, { verify })` stored the key:
 * `{ text, kind, detail }` for the feedback line, from the `verification`
 * of the stored key and the provider's display name.
 */
export function savedOutcome(verification, name) {
  const { code, message } = verification;
  switch (code) {
    case 'valid':
      return { text: 'Key works', kind: 'ok', detail: `${name} calls now use your key.` };
    case 'forbidden': // 403/402: the key authenticated, it just lacks access or credit
    case 'rate_limited': // 429: the key authenticated
      return { text: 'Key works', kind: 'ok', detail: `${message} ${name} calls now use your key.` };
    case 'unsupported':
      return { text: 'Saved (this provider has no free key check)', kind: 'ok', detail: `${name} calls now use your key.` };
    default: // network_error, timeout, provider_error: why it could not be checked
      return { text: 'Could not reach the provider: saved unverified', kind: 'warn', detail: message };
  }
}

/**
 * What the row says when `set()` refused the key: `{ text, kind, detail }`,
 * or null when the key failed the offline check (the live validation
 * feedback says why, with its fix).
 */
export function failureOutcome(err) {
  if (err.code === 'invalid_key' && err.details?.code === 'invalid_key') {
    // The provider answered that this key is not valid: nothing was saved.
    return { text: 'The provider rejected this key', kind: 'error', detail: err.message };
  }
  if (err.code === 'invalid_key') return null;
  return { text: err.message, kind: 'error', detail: '' };
}
