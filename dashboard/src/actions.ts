import { request, type Answer } from './http.js';
import { showNotice } from './notice.js';
import { awaitOperation } from './operation-notice.js';
import { askForToken } from './token-dialog.js';
import { forgetToken, readToken, saveToken } from './token-store.js';
import type { ControlBody } from './types.js';

export type PluginAction = 'restart' | 'stop' | 'start' | 'signal';

const pathOf = (plugin: string, action: PluginAction, signal: string): string =>
  action === 'signal'
    ? `/plugins/${encodeURIComponent(plugin)}/signal?signal=${encodeURIComponent(signal)}`
    : `/plugins/${encodeURIComponent(plugin)}/${action}`;

const describe = (plugin: string, action: PluginAction, signal: string): string =>
  action === 'signal' ? `${signal} to "${plugin}"` : `${action} of "${plugin}"`;

/**
 * Sends a restart, stop, start or signal. A 401 asks for the token once
 * (kept for the session); a refused token is forgotten and asked again;
 * a cancelled dialog says why nothing was sent. Every outcome ends in a notice.
 *
 * @example
 * await sendPluginAction('flaky', 'signal', 'SIGKILL');
 */
export const sendPluginAction = async (plugin: string, action: PluginAction, signal = ''): Promise<Answer<ControlBody>> => {
  const what = describe(plugin, action, signal);
  showNotice('info', `sending ${what}…`);
  const send = () => request<ControlBody>(pathOf(plugin, action, signal), { method: 'POST' });
  let answer = await send();
  // Two chances: the first asks for a missing token, the second for one the API refused.
  for (let attempt = 0; attempt < 2 && !answer.ok && answer.status === 401; attempt += 1) {
    const hadToken = readToken() !== null;
    if (hadToken) forgetToken();
    if (hadToken) showNotice('error', `${what} refused: the token was not accepted (401 unauthorized: ${answer.message}).`);
    const why = hadToken
      ? `The supervisor refused the token (401: ${answer.message}). Enter the API token again for the ${what}.`
      : `The ${what} needs the API token (401: ${answer.message}).`;
    const token = await askForToken(why);
    if (token === null) {
      showNotice('error', `${what} not sent: the supervisor needs the API token (401 unauthorized: ${answer.message}).`);
      return answer;
    }
    saveToken(token);
    answer = await send();
  }
  if (answer.ok) {
    showNotice('ok', answer.body.message ?? `${what}: done`);
    // "… begun" is said again, in its own words, once the stream reports the operation over.
    if (answer.body.operation !== undefined) awaitOperation(answer.body.operation);
  } else if (answer.status === 401) {
    forgetToken();
    showNotice('error', `${what} refused: the token was not accepted (401 unauthorized: ${answer.message}).`);
  } else {
    const status = answer.status === 0 ? 'no answer' : String(answer.status);
    showNotice('error', `${what} refused (${status} ${answer.code}): ${answer.message}`);
  }
  return answer;
};
