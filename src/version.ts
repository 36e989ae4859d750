import { readFileSync } from 'node:fs';

// src/ and dist/ both sit one level below package.json.
const read = (): string => {
  try {
    const raw: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const version = (raw as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
};

/** hale's own version, from package.json. */
export const version: string = read();
