// DOM helpers shared by the page's modules.

/** The element with this id. */
export const byId = (id) => document.getElementById(id);

/**
 * Sets an element's text only when it differs: the page re-renders every
 * second, and an unchanged live region must not be announced again.
 */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
