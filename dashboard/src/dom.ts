/** An element the page's HTML must have; a missing one is a bug of the page itself. */
export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the dashboard page has no #${id}`);
  return element as T;
};

type Child = Node | string | null | undefined | false;

/**
 * Makes an element: attributes (`class`, `data-*`, `aria-*` …) and children.
 * Text is always set as text, never parsed as HTML.
 *
 * @example
 * el('button', { type: 'button', 'data-action': 'restart' }, 'Restart');
 */
export const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
};

/** Sets text only when it changed: 200 rows updated a second stay cheap. */
export const setText = (element: Element, text: string): void => {
  if (element.textContent !== text) element.textContent = text;
};

export const setAttr = (element: Element, name: string, value: string): void => {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
};
