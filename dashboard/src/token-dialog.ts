import { byId } from './dom.js';

/**
 * Asks for the API token in the page's dialog; resolves with it, or null
 * when the user cancels (Escape or the Cancel button).
 *
 * @example
 * const token = await askForToken('restart of "flaky" needs the API token');
 */
export const askForToken = (why: string): Promise<string | null> => {
  const dialog = byId<HTMLDialogElement>('token-dialog');
  const input = byId<HTMLInputElement>('token-input');
  byId('token-why').textContent = why;
  input.value = '';
  return new Promise((resolve) => {
    const finish = (token: string | null) => {
      dialog.removeEventListener('close', onClose);
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      if (dialog.open) dialog.close();
      resolve(token);
    };
    const form = byId<HTMLFormElement>('token-form');
    const cancel = byId<HTMLButtonElement>('token-cancel');
    const onSubmit = (event: SubmitEvent) => {
      event.preventDefault();
      const token = input.value.trim();
      finish(token === '' ? null : token);
    };
    const onCancel = () => finish(null);
    const onClose = () => finish(null);
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    input.focus();
  });
};
