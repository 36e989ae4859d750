// Every NATS subject hale publishes on or listens to is spelled here, and nowhere else.

/** What a hub publishes on: one subject per plugin, its summary, and its service registrations. */
export interface HubSubjects {
  /** `{prefix}.{hub}.health.{plugin}`, the plugin's dots made "_". */
  health(plugin: string): string;
  summary: string;
  /** `{prefix}.{hub}.health.>`: every transition and summary of the hub (what a JetStream stream keeps). */
  healthWildcard: string;
  registered: string;
  deregistered: string;
  /** `{prefix}.{hub}.health.check.{dependency}`: the transitions of one dependency under `checks:`, its dots made "_". */
  dependency(name: string): string;
  /** `{prefix}.global.health`: every hub's summary on one subject, for a listener who follows one. */
  globalSummary: string;
}

/** Hub ids a hub may not take: their subjects would be read as something else (`{prefix}.global.health`). */
export const reservedHubIds: readonly string[] = ['global'];

/**
 * A plugin name as one subject token: NATS splits subjects at dots, so a dot
 * becomes "_" (the message body carries the real name).
 *
 * @example
 * toSubjectToken('billing.v2'); // 'billing_v2'
 */
export const toSubjectToken = (name: string): string => name.replaceAll('.', '_');

/**
 * The global broadcast subject every hub also says its summary on.
 *
 * @example
 * buildGlobalSummarySubject('acme.hale'); // 'acme.hale.global.health'
 */
export const buildGlobalSummarySubject = (prefix: string): string => `${prefix}.global.health`;

/**
 * The subjects of one hub.
 *
 * @example
 * const subjects = hubSubjects('hale', 'web-1');
 * subjects.health('billing.v2'); // 'hale.web-1.health.billing_v2'
 * subjects.summary;              // 'hale.web-1.health.summary'
 * subjects.healthWildcard;       // 'hale.web-1.health.>'
 * subjects.registered;           // 'hale.web-1.service.registered'
 * subjects.dependency('db.main'); // 'hale.web-1.health.check.db_main'
 * subjects.globalSummary;         // 'hale.global.health'
 */
export const hubSubjects = (prefix: string, hubId: string): HubSubjects => ({
  health: (plugin) => `${prefix}.${hubId}.health.${toSubjectToken(plugin)}`,
  summary: `${prefix}.${hubId}.health.summary`,
  healthWildcard: `${prefix}.${hubId}.health.>`,
  registered: `${prefix}.${hubId}.service.registered`,
  deregistered: `${prefix}.${hubId}.service.deregistered`,
  dependency: (name) => `${prefix}.${hubId}.health.check.${toSubjectToken(name)}`,
  globalSummary: buildGlobalSummarySubject(prefix),
});

/**
 * The wildcard federation subscribes to: every hub's summary.
 *
 * @example
 * buildFederationSubject('acme.hale'); // 'acme.hale.*.health.summary'
 */
export const buildFederationSubject = (prefix: string): string => `${prefix}.*.health.summary`;

/**
 * The hub a summary was heard from, by its subject; null for a subject that
 * is not a summary under `prefix`.
 *
 * @example
 * parseSummaryHub('hale', 'hale.web-1.health.summary'); // 'web-1'
 * parseSummaryHub('hale', 'hale.web-1.health.greeter'); // null
 */
export const parseSummaryHub = (prefix: string, subject: string): string | null => {
  const head = `${prefix}.`;
  const tail = '.health.summary';
  if (!subject.startsWith(head) || !subject.endsWith(tail)) return null;
  const hub = subject.slice(head.length, subject.length - tail.length);
  return hub === '' || hub.includes('.') ? null : hub;
};

/**
 * True when a plugin of this name would publish its transitions on the
 * hub's summary subject, where readers expect summaries.
 *
 * @example
 * collidesWithSummary('summary'); // true
 * collidesWithSummary('summary.v2'); // false ('summary_v2')
 */
export const collidesWithSummary = (plugin: string): boolean => toSubjectToken(plugin) === 'summary';

/**
 * Plugin names that would share one health subject (`a.b` and `a_b` both
 * publish on `…health.a_b`), each group in the order given.
 *
 * @example
 * findSubjectClashes(['a.b', 'a_b', 'c']); // [['a.b', 'a_b']]
 */
export const findSubjectClashes = (plugins: readonly string[]): string[][] => {
  const byToken = new Map<string, string[]>();
  for (const name of plugins) {
    const token = toSubjectToken(name);
    byToken.set(token, [...(byToken.get(token) ?? []), name]);
  }
  return [...byToken.values()].filter((names) => names.length > 1);
};
