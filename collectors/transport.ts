/**
 * What the db_tls collector may learn about the gate's own connections, and the one act it
 * may attempt: a login without TLS. Collectors never see a URL (it holds a password); they
 * get how each role's client connects (sslmode, whether a CA is pinned) and the answer of
 * a plaintext login attempt. The attempt runs no statement: it connects, and ends the
 * session at once if the server let it in, so nothing can be committed (the gate stays
 * read-only).
 */
import pg from 'pg';
import type { Database } from '../platform/db/index.ts';
import type { RoleKind } from '../platform/db/roles.ts';

export type TransportRole = Extract<RoleKind, 'reader' | 'app'>;

export interface ClientTransport {
  role: TransportRole;
  /** `sslmode` of the role's connection URL; null when the URL sets none (node-postgres then does not use TLS). */
  sslmode: string | null;
  /** Whether the URL pins a CA (`sslrootcert`); without it a verify-full client trusts the system's CAs. */
  rootCert: boolean;
}

export interface PlaintextAttempt {
  role: TransportRole;
  /** True when the server accepted a login without TLS. */
  connected: boolean;
  sqlstate: string | null;
  /** The server's (or driver's) message, first line; names host, role and database, never a password. */
  message: string | null;
}

export interface TransportAccess {
  clients: ClientTransport[];
  /** Attempts a login as `role` with sslmode=disable; null when the gate has no credential for it. */
  attemptPlaintext(role: TransportRole): Promise<PlaintextAttempt | null>;
}

export function transportAccess(db: Database): TransportAccess {
  const roles: TransportRole[] = ['reader', 'app'];
  const clients = roles
    .filter((r) => db.has(r))
    .map((role): ClientTransport => {
      const u = new URL(db.url(role));
      return { role, sslmode: u.searchParams.get('sslmode'), rootCert: u.searchParams.has('sslrootcert') };
    });
  return {
    clients,
    async attemptPlaintext(role) {
      if (!db.has(role)) return null;
      const u = new URL(db.url(role));
      for (const k of ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat']) u.searchParams.delete(k);
      u.searchParams.set('sslmode', 'disable');
      const c = new pg.Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000, application_name: 'trust-gate-tls-probe' });
      c.on('error', () => {});
      try {
        await c.connect();
        return { role, connected: true, sqlstate: null, message: 'the server accepted a login without TLS' };
      } catch (e) {
        const err = e as { code?: string; message?: string };
        return {
          role,
          connected: false,
          sqlstate: err.code ?? null,
          message: String(err.message ?? e)
            .split('\n')[0]
            .slice(0, 300),
        };
      } finally {
        await c.end().catch(() => {});
      }
    },
  };
}
