import { describe, expect, it } from 'vitest';
import { buildWsProtocols, chooseWsProtocol, readProtocolBearer } from '../../../src/api/ws-protocol.js';

describe('the token as a WebSocket subprotocol', () => {
  it('round-trips any token, non-ASCII and all, through base64url', () => {
    for (const token of ['s3cret', 'a+b/c=d', 'ünïcødé tokén', 'x'.repeat(200)]) {
      const protocols = buildWsProtocols(token);
      expect(protocols[0]).toBe('hale.events');
      // An HTTP token: what Sec-WebSocket-Protocol may carry.
      expect(protocols[1]).toMatch(/^hale\.token\.[A-Za-z0-9_-]+$/);
      expect(readProtocolBearer(protocols.join(', '))).toBe(`Bearer ${token}`);
    }
  });

  it('reads none from a header without one, and passes what is not base64url on as a wrong token', () => {
    expect(readProtocolBearer(undefined)).toBeUndefined();
    expect(readProtocolBearer('hale.events')).toBeUndefined();
    expect(readProtocolBearer(' , ,, ')).toBeUndefined();
    expect(readProtocolBearer('hale.token.a=b')).toBe('Bearer a=b');
    expect(readProtocolBearer('hale.token.')).toBe('Bearer ');
  });

  it('answers hale.events when offered, and never the token', () => {
    expect(chooseWsProtocol(new Set(buildWsProtocols('s3cret')))).toBe('hale.events');
    expect(chooseWsProtocol(new Set(['hale.token.czNjcmV0']))).toBe(false);
    expect(chooseWsProtocol(new Set())).toBe(false);
  });
});
