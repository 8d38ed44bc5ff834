import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { DbTlsFacts } from '../../collectors/db-tls.ts';
import { factsOf, fail, pass } from './helpers.ts';

/**
 * The platform's own database connections use TLS, with all three kinds of proof:
 * - structure: the server has ssl on with a minimum protocol no lower than `minProtocol`;
 *   no pg_hba.conf rule lets the runtime or reader role in without TLS (a `host` or
 *   `hostnossl` rule, or a `local` one while the server opens a Unix socket), judged
 *   conservatively: any such rule other than `reject` fails, wherever it sits; and the gate's
 *   clients verify the server (sslmode=verify-full);
 * - data: every session of the runtime and reader roles on this database is TLS at
 *   `minProtocol` or newer (pg_stat_ssl);
 * - enforcement: a login without TLS (sslmode=disable) as the reader, and as the runtime
 *   role when the gate has its credential, is refused by pg_hba (SQLSTATE 28000).
 */
const ORDER = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const rank = (v: string | null | undefined): number => (v ? ORDER.indexOf(v) : -1);
const ROLE_NAME = { app: 'trust_app', reader: 'trust_reader' } as const;

export default defineCheck({
  id: 'db_connections_tls',
  kind: 'structure',
  description:
    'The platform database accepts the runtime and reader roles only over TLS (pg_hba hostssl, ssl on, minimum protocol), every session of those roles is TLS at that minimum or newer, the gate verifies the server, and a login without TLS is refused.',
  collectors: ['db_tls'],
  params: z.object({ minProtocol: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2') }).strict(),
  evaluate(facts, { minProtocol }) {
    const f = factsOf<DbTlsFacts>(facts, 'db_tls');
    const out: Finding[] = [];
    const server = { resource: `setting:${f.database}.ssl` };
    // Structure: the server.
    if (f.settings.ssl !== 'on') out.push(fail(`The database server has ssl = ${f.settings.ssl ?? 'unknown'}, so it cannot accept TLS connections.`, server, `ssl=${f.settings.ssl}`));
    else if (rank(f.settings.minProtocol) < rank(minProtocol))
      out.push(
        fail(
          `The database server accepts TLS below ${minProtocol} (ssl_min_protocol_version = ${f.settings.minProtocol ?? 'unknown'}).`,
          { resource: 'setting:ssl_min_protocol_version' },
          `min=${f.settings.minProtocol}`,
        ),
      );
    else out.push(pass(`The database server has ssl on and accepts ${f.settings.minProtocol} or newer.`, server, `min=${f.settings.minProtocol}`));
    // Structure: pg_hba.conf.
    if (!f.hba) out.push(fail(`pg_hba.conf could not be read, so nothing shows that the platform roles must use TLS: ${f.hbaError ?? 'unknown reason'}.`, { resource: 'file:pg_hba.conf' }));
    else {
      const socketsOpen = (f.settings.unixSockets ?? '').trim() !== '';
      const open = f.hba.filter((r) => r.appliesTo.length && r.method !== 'reject' && (r.type === 'host' || r.type === 'hostnossl' || (r.type === 'local' && socketsOpen)));
      const broken = f.hba.filter((r) => r.error);
      for (const r of open) {
        out.push(
          fail(
            `pg_hba.conf line ${r.line} (\`${r.type} ${r.database.join(',')} ${r.users.join(',')} ${r.address ?? ''} ${r.method ?? ''}\`) lets ${r.appliesTo.map((k) => ROLE_NAME[k]).join(' and ')} connect without TLS.`,
            { resource: `hba:line ${r.line}` },
            `type=${r.type}`,
          ),
        );
      }
      for (const r of broken) out.push(fail(`pg_hba.conf line ${r.line} has an error the server reports: ${r.error}.`, { resource: `hba:line ${r.line}` }));
      const ssl = f.hba.filter((r) => r.type === 'hostssl' && r.appliesTo.length && r.method !== 'reject' && r.method !== 'trust');
      if (!open.length && !broken.length)
        out.push(
          pass(
            `pg_hba.conf lets trust_app and trust_reader in only over TLS (${ssl.length} hostssl rule(s) with a password, no host or hostnossl rule for them${socketsOpen ? '' : '; no Unix socket is open'}).`,
            { resource: 'file:pg_hba.conf' },
            `rules=${f.hba.length}`,
          ),
        );
      for (const r of f.hba.filter((x) => x.type === 'hostssl' && x.appliesTo.length && x.method === 'trust')) {
        out.push(fail(`pg_hba.conf line ${r.line} lets ${r.appliesTo.map((k) => ROLE_NAME[k]).join(' and ')} in over TLS without a password (trust).`, { resource: `hba:line ${r.line}` }));
      }
    }
    // Structure: the clients verify the server.
    if (!f.clients.length) out.push(fail('No client connection of the gate was described, so nothing shows that it verifies the server.', { resource: 'client:gate' }));
    for (const c of f.clients) {
      const origin = { resource: `client:${ROLE_NAME[c.role]}` };
      if (c.sslmode !== 'verify-full')
        out.push(
          fail(
            `The ${ROLE_NAME[c.role]} connection uses sslmode=${c.sslmode ?? 'unset (no TLS)'}, not verify-full, so it does not verify the server's certificate and name.`,
            origin,
            `sslmode=${c.sslmode}`,
          ),
        );
      else
        out.push(
          pass(`The ${ROLE_NAME[c.role]} connection verifies the server (sslmode=verify-full${c.rootCert ? ', against the pinned CA' : ', against the system CAs'}).`, origin, `sslmode=verify-full`),
        );
    }
    // Data: every session of the platform roles.
    const sessions = f.sessions;
    const weak = sessions.filter((s) => !s.ssl || rank(s.version) < rank(minProtocol));
    for (const s of weak) {
      out.push({
        ...fail(
          `${s.count} session(s) of ${ROLE_NAME[s.role]} on database ${f.database}${s.application ? ` (application ${s.application})` : ''} ${s.ssl ? `use ${s.version}, below ${minProtocol}` : 'are not encrypted'}.`,
          { resource: `role:${ROLE_NAME[s.role]}` },
          `ssl=${s.ssl} version=${s.version}`,
        ),
        kind: 'data',
      });
    }
    const total = sessions.reduce((n, s) => n + s.count, 0);
    if (!total) out.push({ ...fail(`No session of trust_app or trust_reader on ${f.database} was seen, so no connection proves TLS in use.`, { resource: 'view:pg_stat_ssl' }), kind: 'data' });
    else if (!weak.length) {
      const versions = [...new Set(sessions.map((s) => s.version))].sort().join(', ');
      out.push({
        ...pass(`All ${total} session(s) of trust_app and trust_reader on ${f.database} use TLS (${versions}), ${minProtocol} or newer.`, { resource: 'view:pg_stat_ssl' }, `sessions=${total}`),
        kind: 'data',
      });
    }
    // Enforcement: a login without TLS.
    if (f.plaintextAttempts === null)
      out.push({
        status: 'error',
        reason: 'No login without TLS was attempted (the collector ran without transport access), so refusal is not proven.',
        origin: { resource: 'probe:plaintext-login' },
        kind: 'enforcement',
      });
    else {
      if (!f.plaintextAttempts.some((a) => a.role === 'reader'))
        out.push({ ...fail('No login without TLS was attempted as trust_reader.', { resource: 'probe:plaintext-login:trust_reader' }), kind: 'enforcement' });
      for (const a of f.plaintextAttempts) {
        const origin = { resource: `probe:plaintext-login:${ROLE_NAME[a.role]}` };
        if (a.connected) out.push({ ...fail(`A login as ${ROLE_NAME[a.role]} without TLS (sslmode=disable) was accepted by the server.`, origin, 'connected'), kind: 'enforcement' });
        else if (a.sqlstate !== '28000')
          out.push({
            ...fail(
              `A login as ${ROLE_NAME[a.role]} without TLS failed, but not because pg_hba refused it (SQLSTATE ${a.sqlstate ?? 'none'}: ${a.message ?? ''}); the server may have taken the password in clear.`,
              origin,
              `sqlstate=${a.sqlstate}`,
            ),
            kind: 'enforcement',
          });
        else
          out.push({
            ...pass(`A login as ${ROLE_NAME[a.role]} without TLS (sslmode=disable) was refused by the server (SQLSTATE 28000: ${a.message}).`, origin, 'sqlstate=28000'),
            kind: 'enforcement',
          });
      }
    }
    return out;
  },
});
