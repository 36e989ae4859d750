import { exitCodes, failWith } from './exit-codes.js';
import { resolveTarget, type TargetFlags } from './target.js';
import type { ApiErrorBody } from '../api/bodies.js';
import type { ReloadResult } from '../supervisor/reload-result.js';

/** The 200 answer of POST /config/reload: the applied reload as the supervisor reports it. */
type ReloadBody = Extract<ReloadResult, { ok: true }>;

/**
 * `hale reload`: POST /config/reload, as SIGHUP does — the running hale
 * reads its config file again and applies it. Prints what was added,
 * removed, changed (restarted) and left alone. Exit 0 when applied; 2 with
 * every error when the file is invalid (nothing changed); 1 when hale
 * refused (stopping, or its config came from no file).
 *
 * @example
 * await reloadCommand({ url: 'http://127.0.0.1:8080' }); // prints "added: billing" …
 */
export const reloadCommand = async (flags: TargetFlags & { json?: boolean | undefined }): Promise<number> => {
  // A reload restarts what changed before it answers: more than the 5 s a query gets.
  const client = await resolveTarget(flags, process.env, 60_000);
  const answer = await client.post<ReloadBody | ApiErrorBody>('/config/reload', [422]);
  if (!answer.ok) return failWith(answer);
  if ('error' in answer.body) {
    const { message, issues = [] } = answer.body.error;
    for (const issue of issues) process.stderr.write(`${issue}\n`);
    process.stderr.write(`hale: ${message}\n`);
    return exitCodes.usage;
  }
  const result = answer.body;
  if (flags.json === true) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return exitCodes.ok;
  }
  const lines = [
    ['added', result.added],
    ['removed', result.removed],
    ['changed', result.changed],
    ['unchanged', result.unchanged],
    ['ignored until hale restarts', result.ignored],
  ] as const;
  if (result.added.length + result.removed.length + result.changed.length === 0) process.stdout.write('no plugin changed\n');
  for (const [label, names] of lines) {
    if (names.length > 0) process.stdout.write(`${label}: ${names.join(', ')}\n`);
  }
  return exitCodes.ok;
};
