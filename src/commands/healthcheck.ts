import { resolveTarget, type TargetFlags } from './target.js';

/**
 * `hale healthcheck [--readiness]`: a Docker HEALTHCHECK that needs no curl.
 * Asks /health (or /health/readiness) with a 3 s budget; exit 0 when hale is
 * healthy or degraded (ready), 1 otherwise — Docker reads only 0 and 1 — with
 * the reason on stderr.
 */
export const healthcheckCommand = async (flags: TargetFlags & { readiness?: boolean | undefined }): Promise<number> => {
  const client = await resolveTarget(flags, process.env, 3_000);
  const path = flags.readiness === true ? '/health/readiness' : '/health';
  const answer = await client.get<{ status: string; reason?: string }>(path, [503]);
  if (!answer.ok) {
    process.stderr.write(`hale healthcheck: ${answer.message}\n`);
    return 1;
  }
  const good = answer.status === 200;
  const words = `${answer.body.status}${answer.body.reason === undefined ? '' : ` (${answer.body.reason})`}`;
  (good ? process.stdout : process.stderr).write(`hale healthcheck: ${words}\n`);
  return good ? 0 : 1;
};
