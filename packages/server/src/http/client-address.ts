import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

type Trust = (address: string, hop: number) => boolean;

/** Compiled trust functions, per config list (the config is frozen: one compile per node). */
const compiled = new WeakMap<readonly string[], Trust>();

/**
 * The address of the client: the socket's, unless the socket is one of `trustedProxies`, in
 * which case `X-Forwarded-For` is read from the right, hop by hop, up to the first address that
 * is not a trusted proxy (Express's `trust proxy`, with the same library). A header sent by
 * anyone else is ignored: a client cannot choose the address its failed logins are counted on.
 * IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are given as IPv4.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: readonly string[]): string | undefined {
  const socketAddress = req.socket.remoteAddress;
  if (trustedProxies.length === 0 || socketAddress === undefined) return unmapped(socketAddress);
  let trust = compiled.get(trustedProxies);
  if (!trust) {
    trust = proxyAddr.compile([...trustedProxies]);
    compiled.set(trustedProxies, trust);
  }
  return unmapped(proxyAddr(req, trust));
}

function unmapped(address: string | undefined): string | undefined {
  return address !== undefined && address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
