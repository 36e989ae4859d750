import type { PluginsStatusBody } from '../api/bodies.js';
import type { ApiClient } from '../client/api-client.js';
import { exitCodes, failWith } from './exit-codes.js';
import { resolveTarget, type TargetFlags } from './target.js';
import { formatTopFrame } from './top-frame.js';

/** How often the live view reads the API again. */
export const topRefreshMs = 1_000;

// The alternate screen, the cursor hidden; and back.
const enterScreen = '\x1b[?1049h\x1b[?25l';
const leaveScreen = '\x1b[?25h\x1b[?1049l';
const clearScreen = '\x1b[H\x1b[2J';

const readFrame = async (
  client: ApiClient,
  width: number | undefined,
): Promise<{ ok: true; text: string } | { ok: false; failure: Parameters<typeof failWith>[0] }> => {
  const answer = await client.get<PluginsStatusBody>('/plugins/status');
  if (!answer.ok) return { ok: false, failure: answer };
  if (!Array.isArray(answer.body.plugins))
    return { ok: false, failure: { kind: 'invalid', message: `${client.url}/plugins/status did not answer a plugin list` } };
  const plugins = answer.body.plugins.map((p) => ({ ...p, resources: p.resources ?? null }));
  return { ok: true, text: formatTopFrame({ ...answer.body, plugins }, client.url, new Date(), width) };
};

/**
 * `hale top [--once]`: every plugin of a running hale with its state, CPU,
 * memory, processes and restarts, read again each second on the terminal's
 * alternate screen, as `pm2 monit` shows them; q or Ctrl-C quits and gives
 * the terminal back as it was. When stdout or stdin is not a terminal, or
 * with --once, it prints one snapshot and exits.
 *
 * @example
 * await topCommand({ url: 'http://127.0.0.1:8080', once: true });
 */
export const topCommand = async (flags: TargetFlags & { once?: boolean | undefined }): Promise<number> => {
  const client = await resolveTarget(flags, process.env);
  const { stdin, stdout } = process;
  if (flags.once === true || !stdout.isTTY || !stdin.isTTY) {
    const frame = await readFrame(client, stdout.isTTY ? stdout.columns : undefined);
    if (!frame.ok) return failWith(frame.failure);
    stdout.write(`${frame.text}\n`);
    return exitCodes.ok;
  }
  return new Promise<number>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const draw = async (): Promise<void> => {
      const frame = await readFrame(client, stdout.columns);
      if (done) return;
      // hale away (restarting, say) is shown, not fatal: the view waits for it to come back.
      stdout.write(
        `${clearScreen}${frame.ok ? frame.text : `hale top  ${client.url}\n\n${frame.failure.message}; trying again each second`}\n\nq quits`,
      );
      timer = setTimeout(() => void draw(), topRefreshMs);
    };
    const quit = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.off('data', onKey);
      process.off('SIGTERM', quit);
      process.off('SIGHUP', quit);
      stdout.off('resize', redraw);
      stdin.setRawMode(false);
      stdin.pause();
      stdout.write(leaveScreen);
      resolve(exitCodes.ok);
    };
    const onKey = (data: Buffer): void => {
      // q, Q, Ctrl-C (raw mode takes it as a key, not SIGINT) or Ctrl-D.
      if (data.some((byte) => byte === 0x71 || byte === 0x51 || byte === 0x03 || byte === 0x04)) quit();
    };
    const redraw = (): void => {
      clearTimeout(timer);
      void draw();
    };
    stdout.write(enterScreen);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onKey);
    process.once('SIGTERM', quit);
    process.once('SIGHUP', quit);
    stdout.on('resize', redraw);
    void draw();
  });
};
