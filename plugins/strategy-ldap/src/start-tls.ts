import ldap from 'ldapjs';
import type { ConnectionOptions } from 'node:tls';

/**
 * StartTLS done right for the clients ldapauth-fork creates.
 *
 * ldapauth-fork's own `starttls` option sends the StartTLS request on a client that is not
 * connected yet, and ldapjs queues it; the service-account bind that `authenticate` issues a
 * moment later is queued behind it, and both are flushed together once the socket connects.
 * The bind, with the service account's password, thus leaves in clear text right behind the
 * StartTLS request, and slapd drops the connection (a laxer server might even answer it). So
 * the plugin never sets that option. Instead, clients created with TLS options made by
 * {@link startTlsOptions} negotiate StartTLS in ldapjs' `setup` phase, which runs on connect
 * before any queued request is sent: every request, the first bind included, goes over TLS.
 *
 * The hook wraps `ldapjs.createClient` (the one place ldapauth-fork creates clients) once per
 * process; clients whose TLS options were not made here are left exactly as they were.
 */
const marked = new WeakSet<object>();
let installed = false;

type CreateClient = (options: { tlsOptions?: object } & Record<string, unknown>) => ldap.Client;

/** A copy of `options` whose clients negotiate StartTLS on connect, before anything else is sent. */
export function startTlsOptions(options: ConnectionOptions): ConnectionOptions {
  installHook();
  const copy = { ...options };
  marked.add(copy);
  return copy;
}

function installHook(): void {
  if (installed) return;
  installed = true;
  const module = ldap as unknown as { createClient: CreateClient };
  const original = module.createClient;
  module.createClient = function createClient(options) {
    const client = original(options);
    const tlsOptions = options?.tlsOptions;
    if (tlsOptions && marked.has(tlsOptions)) {
      client.on('setup', (setup: ldap.Client, next: (error?: Error) => void) => {
        // A copy per connection: ldapjs writes the socket it upgrades into the options it is given.
        setup.starttls({ ...tlsOptions }, [], (error: Error | null) => next(error ?? undefined));
      });
    }
    return client;
  };
}
