// DOM helpers shared by the page's modules.

/** The element with this id. */
export const byId = (id) => document.getElementById(id);

/**
 * Creates an element: h('button', {type: 'button', class: 'btn'}, 'Text').
 * `class` sets the class name, `text` the text; `true` gives an empty
 * attribute, and false, null or undefined leaves the attribute out.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children);
  return el;
}

/**
 * Sets an element's text only when it differs: the page re-renders every
 * second, and an unchanged live region must not be announced again.
 */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
