const key = 'hale.token';
// Where sessionStorage is refused (some private modes), the token lives as long as the page.
let remembered: string | null = null;

/** The API token, kept for this tab's session only: never in localStorage, never in a URL. */
export const readToken = (): string | null => {
  try {
    return sessionStorage.getItem(key) ?? remembered;
  } catch {
    return remembered;
  }
};

export const saveToken = (token: string): void => {
  remembered = token;
  try {
    sessionStorage.setItem(key, token);
  } catch {
    // Kept in memory above.
  }
};

export const forgetToken = (): void => {
  remembered = null;
  try {
    sessionStorage.removeItem(key);
  } catch {
    // Nothing was kept there.
  }
};
