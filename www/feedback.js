// The feedback line under a provider row: one live region with a headline
// (live validation while typing, the key check's outcome, what an action
// did) and an optional detail, plus an "Add it to <provider> instead" button
// when a pasted key belongs to another provider.

import { h } from './dom.js';

/**
 * The feedback line of the row of provider `id`. `onMove(providerId)` runs
 * when the user accepts the offer to move the key to another provider's row.
 */
export function createFeedback(id, { onMove }) {
  const headline = h('span', { class: 'feedback', id: `feedback-${id}` });
  const detail = h('span', { class: 'feedback-detail', id: `detail-${id}`, hidden: true });
  const fix = h('button', { type: 'button', class: 'linklike', hidden: true });
  fix.addEventListener('click', () => onMove(fix.dataset.provider));

  return {
    el: h(
      'div',
      { class: 'prow-status' },
      // One live region for the headline and its detail.
      h('span', { class: 'prow-live', role: 'status', 'aria-live': 'polite' }, headline, detail),
      fix,
    ),

    /** Shows a headline (kind: 'ok' | 'warn' | 'error' | 'busy' | '') and an optional detail; hides the offer. */
    say(text, kind = '', detailText = '') {
      headline.textContent = text;
      headline.dataset.kind = kind;
      detail.textContent = detailText;
      detail.hidden = !detailText;
      fix.hidden = true;
    },

    /** Offers to move the key to another provider's row (after say()). */
    offerMove(providerId, providerName) {
      fix.textContent = `Add it to ${providerName} instead`;
      fix.dataset.provider = providerId;
      fix.hidden = false;
    },
  };
}
