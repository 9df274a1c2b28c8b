import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { clientAddress } from '../../src/http/client-address.js';

/** Just what proxy-addr and clientAddress read of a request: the socket's address and the headers. */
function request(socketAddress: string, forwarded?: string): IncomingMessage {
  return { socket: { remoteAddress: socketAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } } as unknown as IncomingMessage;
}

describe('server/http/client-address', () => {
  it('is the socket\'s address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(request('192.0.2.1', '198.51.100.7'), [])).to.equal('192.0.2.1');
  });

  it('reads X-Forwarded-For from a trusted proxy, from the right, skipping trusted hops', () => {
    const trusted = Object.freeze(['10.0.0.0/8']);
    expect(clientAddress(request('10.0.0.5', '198.51.100.7'), trusted)).to.equal('198.51.100.7');
    // The left-most value is whatever the client wrote: only hops appended by trusted proxies count.
    expect(clientAddress(request('10.0.0.5', '203.0.113.9, 198.51.100.7, 10.0.0.6'), trusted)).to.equal('198.51.100.7');
  });

  it('ignores X-Forwarded-For from a socket that is not a trusted proxy', () => {
    expect(clientAddress(request('192.0.2.1', '198.51.100.7'), Object.freeze(['10.0.0.0/8']))).to.equal('192.0.2.1');
  });

  it('gives IPv4-mapped IPv6 addresses as IPv4', () => {
    expect(clientAddress(request('::ffff:192.0.2.1'), [])).to.equal('192.0.2.1');
    expect(clientAddress(request('2001:db8::1'), [])).to.equal('2001:db8::1');
  });
});
