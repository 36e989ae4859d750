// The words of GET /ws/health's handshake: its subprotocol, and how a browser, which cannot set headers, sends the token.

/** The subprotocol hale answers with; a browser that offers a token must offer this too. */
export const wsProtocol = 'hale.events';

/** A subprotocol `hale.token.<base64url of the token>` carries the token where a browser's WebSocket cannot set Authorization. */
const tokenPrefix = 'hale.token.';

/** The path the WebSocket is served on; the only one an Upgrade is taken for. */
export const wsHealthPath = '/ws/health';

/** What a client sends most in a message before it is cut (1009): it has nothing to say. */
export const wsMaxClientMessageBytes = 4 * 1024;

const splitProtocols = (header: string | undefined): string[] =>
  header === undefined
    ? []
    : header
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');

/**
 * The bearer token a WebSocket handshake carries in Sec-WebSocket-Protocol
 * (`hale.token.<base64url>`), as an Authorization value; undefined without one.
 * A browser's `new WebSocket(url, protocols)` can send that header and no other.
 *
 * @example
 * readProtocolBearer('hale.events, hale.token.czNjcmV0'); // 'Bearer s3cret'
 */
export const readProtocolBearer = (header: string | undefined): string | undefined => {
  const offered = splitProtocols(header).find((protocol) => protocol.startsWith(tokenPrefix));
  if (offered === undefined) return undefined;
  const encoded = offered.slice(tokenPrefix.length);
  // A token that is not base64url is passed on as it is: the token check then refuses it as a wrong one.
  const token = /^[A-Za-z0-9_-]+$/.test(encoded) ? Buffer.from(encoded, 'base64url').toString('utf8') : encoded;
  return `Bearer ${token}`;
};

/**
 * The subprotocol the server answers with: `hale.events` when offered, else
 * none. Never the token's: that would echo the token in the answer.
 *
 * @example
 * chooseWsProtocol(new Set(['hale.events', 'hale.token.czNjcmV0'])); // 'hale.events'
 */
export const chooseWsProtocol = (offered: ReadonlySet<string>): string | false => (offered.has(wsProtocol) ? wsProtocol : false);

/**
 * The subprotocols a client offers to send `token`: what a browser passes to `new WebSocket`.
 *
 * @example
 * new WebSocket('ws://127.0.0.1:8080/ws/health', buildWsProtocols('s3cret'));
 */
export const buildWsProtocols = (token: string): string[] => [
  wsProtocol,
  `${tokenPrefix}${Buffer.from(token, 'utf8').toString('base64url')}`,
];
