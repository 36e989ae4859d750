import { byId } from './dom.js';

export type NoticeKind = 'ok' | 'error' | 'info';

let clearTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Says what just happened in the page's status line (a live region, so a
 * screen reader hears it too). Errors stay until the next notice.
 *
 * @example
 * showNotice('error', 'restart of "flaky" refused: 401 unauthorized');
 */
export const showNotice = (kind: NoticeKind, text: string, topic = 'action'): void => {
  const notice = byId('notice');
  notice.dataset['kind'] = kind;
  notice.dataset['topic'] = topic;
  notice.textContent = text;
  notice.hidden = false;
  clearTimeout(clearTimer);
  if (kind !== 'error') clearTimer = setTimeout(() => (notice.hidden = true), 8_000);
};

/** Takes a notice down once what it said is over (the supervisor is back). */
export const clearNotice = (topic: string): void => {
  const notice = byId('notice');
  if (notice.dataset['topic'] === topic) notice.hidden = true;
};
