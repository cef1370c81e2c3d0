// Where the popup's key checks go: the providers themselves (production), or
// the local provider stand-in when the server was started with
// VERIFY_BASE_URL. Then the popup shows a note and a "Stand-in answers"
// picker that chooses the stand-in's scenario for the next check.

/**
 * The stand-in's scenarios (tests/js/standin/providers.mjs), for the picker.
 * '' is the stand-in's own default.
 */
const STANDIN_SCENARIOS = [
  ['', 'its default (valid unless SCENARIO is set)'],
  ['valid', 'valid: 200'],
  ['invalid_key', "invalid_key: the provider's bad-key answer"],
  ['unauthorized', 'unauthorized: 401'],
  ['forbidden', 'forbidden: 403'],
  ['no_credit', 'no_credit: 402'],
  ['rate_limited', 'rate_limited: 429'],
  ['provider_error', 'provider_error: 500'],
  ['not_found', 'not_found: 404'],
  ['timeout', 'timeout: never answers'],
  ['network_error', 'network_error: closes the connection'],
  ['cors', 'cors: refuses the preflight'],
];

/**
 * `verifyBaseUrl`: the stand-in's base URL, or null for the providers;
 * `scenario`: the scenario to preselect (from ?scenario=); `note`, `url` and
 * `picker`: the stand-in note, its URL and the scenario <select>.
 */
export function createVerifyTarget({ verifyBaseUrl, scenario = '', note, url, picker }) {
  if (verifyBaseUrl) {
    for (const [value, label] of STANDIN_SCENARIOS) picker.append(new Option(label, value));
    picker.value = STANDIN_SCENARIOS.some(([v]) => v === scenario) ? scenario : '';
    url.textContent = verifyBaseUrl;
    note.hidden = false;
  }

  return {
    /**
     * The `verify` option of `set` for a check of `providerId`'s key: the
     * provider's own endpoint (in `region`, if given), or the stand-in at
     * `<base>/<scenario>/<provider>`. `signal` stops the check.
     */
    options(providerId, region, signal) {
      if (verifyBaseUrl) {
        const scenarioPath = picker.value ? `${picker.value}/` : '';
        return { baseUrl: `${verifyBaseUrl}/${scenarioPath}${providerId}`, signal };
      }
      return region ? { region, signal } : { signal };
    },
  };
}
