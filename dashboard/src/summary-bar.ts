import { byId, el, setAttr, setText } from './dom.js';
import { formatDuration } from './format.js';
import type { FeedState } from './event-feed.js';
import type { HealthBody } from './types.js';

/**
 * The top of the page: the overall verdict, the supervisor itself, its
 * dependencies, and whether the live stream is up.
 *
 * @example
 * drawSummary(health);
 * drawStream('reconnecting', 'the supervisor is unreachable');
 */
export const drawSummary = (health: HealthBody): void => {
  const overall = byId('overall');
  setAttr(overall, 'data-status', health.status);
  setText(byId('overall-word'), health.status);
  const supervisor = health.supervisor;
  setText(
    byId('supervisor-facts'),
    [
      health.version === undefined ? '' : `hale ${health.version}`,
      supervisor === undefined ? '' : `pid ${supervisor.pid}`,
      supervisor === undefined ? '' : `up ${formatDuration(supervisor.uptimeSeconds * 1_000)}`,
    ]
      .filter((part) => part !== '')
      .join(' · '),
  );
  const checks = [...Object.entries(health.checks ?? {}), ...Object.entries(health.components ?? {})];
  const list = byId('dependencies');
  list.hidden = checks.length === 0;
  const drawn = checks.map(([name, c]) => `${name}:${c.status}`).join();
  if (list.dataset['drawn'] === drawn) return;
  list.dataset['drawn'] = drawn;
  list.replaceChildren(
    ...checks.map(([name, check]) =>
      el(
        'li',
        {
          class: 'chip',
          'data-status': check.status,
          title: `${check.critical ? 'critical; ' : ''}${check.target ?? ''} ${check.reason ?? ''}`.trim(),
        },
        `${name} ${check.status}`,
      ),
    ),
  );
};

/** The stream's state, in words and as `data-state` for styles and tests. */
export const drawStream = (state: FeedState, detail: string): void => {
  const stream = byId('stream');
  setAttr(stream, 'data-state', state);
  setText(stream, state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…');
  setAttr(stream, 'title', detail === '' ? 'following GET /events' : detail);
  document.body.classList.toggle('stale', state === 'reconnecting');
  // What the page shows is what it last heard; the verdict of a supervisor it cannot reach is not known.
  if (state === 'reconnecting') {
    setAttr(byId('overall'), 'data-status', 'unknown');
    setText(byId('overall-word'), 'unreachable');
  }
};
