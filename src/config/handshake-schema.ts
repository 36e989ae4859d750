import { z } from 'zod';
import { defaultCookie } from '../protocol.js';
import { closedObject } from './closed-object.js';
import { countField } from './fields.js';
import type { HandshakeConfig } from './types.js';
import { describeZodIssue } from './zod-messages.js';
import { quoteText } from './quote-text.js';

// go-plugin's own defaults for the ports a plugin may listen on.
const goPluginPorts = { minPort: 10_000, maxPort: 25_000 };

export const defaultHandshake: HandshakeConfig = {
  cookieKey: defaultCookie.key,
  cookieValue: defaultCookie.value,
  protocolVersions: [1],
  ...goPluginPorts,
};

const handshakeSchema = closedObject({
  cookieKey: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name' })
    .default(defaultCookie.key),
  cookieValue: z.string().min(1).default(defaultCookie.value),
  protocolVersions: z
    .array(countField({ min: 1, max: 1_000 }))
    .min(1)
    .default(() => [1]),
  minPort: countField({ min: 1, max: 65_535 }).default(goPluginPorts.minPort),
  maxPort: countField({ min: 1, max: 65_535 }).default(goPluginPorts.maxPort),
});

/** One problem with a `handshake:`, at a path below it. */
export interface HandshakeIssue {
  path: PropertyKey[];
  message: string;
}

/**
 * A plugin's `handshake:`: absent, the defaults; `none`, an ordinary server
 * (null); otherwise the cookie and go-plugin's settings, checked.
 *
 * @example
 * readHandshake('none'); // { ok: true, handshake: null }
 * readHandshake({ cookieKey: 'BASIC_PLUGIN', cookieValue: 'hello' }).ok; // true
 */
export const readHandshake = (
  input: unknown,
): { ok: true; handshake: HandshakeConfig | null } | { ok: false; issues: HandshakeIssue[] } => {
  if (input === undefined) return { ok: true, handshake: { ...defaultHandshake, protocolVersions: [1] } };
  if (input === 'none') return { ok: true, handshake: null };
  if (typeof input === 'string')
    return {
      ok: false,
      issues: [{ path: [], message: `expected none or a mapping (cookieKey, cookieValue, …), got ${quoteText(input)}` }],
    };
  const parsed = handshakeSchema.safeParse(input, { error: describeZodIssue });
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((issue) => ({ path: issue.path, message: issue.message })) };
  const { minPort, maxPort } = parsed.data;
  if (minPort > maxPort)
    return { ok: false, issues: [{ path: ['minPort'], message: `minPort (${minPort}) is above maxPort (${maxPort})` }] };
  return { ok: true, handshake: { ...parsed.data, protocolVersions: [...parsed.data.protocolVersions] } };
};
