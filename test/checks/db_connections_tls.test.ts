/**
 * db_connections_tls: the platform roles reach the database only over TLS, with the three
 * kinds of proof: structure (ssl, pg_hba, verify-full clients), data (every session is TLS),
 * enforcement (a login without TLS is refused). (On a real server:
 * test/collectors/break-behind-tls-backup.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/db-connections-tls.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('db_connections_tls', () => {
  story('clean (three kinds of proof) → pg_hba lets trust_app in without TLS → the rule removed', () => {
    const t = F.dbTls();
    const clean = run({ db_tls: t });
    expect(clean.status).toBe('pass');
    expect([...new Set(clean.findings.map((f) => f.kind))].sort()).toEqual(['data', 'enforcement', 'structure']);
    t.hba!.unshift({ line: 0, type: 'host', database: ['trust'], users: ['trust_app'], address: '127.0.0.1/32', method: 'scram-sha-256', appliesTo: ['app'], error: null });
    t.plaintextAttempts![1] = { role: 'app', connected: true, sqlstate: null, message: null };
    const bad = failing(run({ db_tls: t }));
    expect(bad.find((f) => f.origin.resource === 'hba:line 0')).toMatchObject({ kind: 'structure', reason: expect.stringMatching(/lets trust_app connect without TLS/) });
    expect(bad.find((f) => f.origin.resource === 'probe:plaintext-login:trust_app')).toMatchObject({ kind: 'enforcement', observed: 'connected' });
    t.hba!.shift();
    t.plaintextAttempts![1] = F.dbTls().plaintextAttempts![1];
    expect(run({ db_tls: t }).status).toBe('pass');
  });

  story('clean → a session of the runtime role without TLS → closed', () => {
    const t = F.dbTls();
    expect(run({ db_tls: t }).status).toBe('pass');
    t.sessions.push({ role: 'app', ssl: false, version: null, application: 'careless-script', count: 1 });
    expect(failing(run({ db_tls: t }))).toEqual([
      expect.objectContaining({ kind: 'data', reason: '1 session(s) of trust_app on database trust (application careless-script) are not encrypted.', origin: { resource: 'role:trust_app' } }),
    ]);
    t.sessions.pop();
    expect(run({ db_tls: t }).status).toBe('pass');
  });

  story('clean → the gate connects without verifying the server → verify-full again', () => {
    const t = F.dbTls();
    expect(run({ db_tls: t }).status).toBe('pass');
    t.clients[1] = { role: 'reader', sslmode: 'require', rootCert: false };
    expect(failing(run({ db_tls: t }))[0]).toMatchObject({ origin: { resource: 'client:trust_reader' }, observed: 'sslmode=require' });
    t.clients[1] = F.dbTls().clients[1];
    expect(run({ db_tls: t }).status).toBe('pass');
  });

  it('a minimum protocol below the one required fails; no attempt without TLS is an error, never a pass', () => {
    const t = F.dbTls();
    t.settings.minProtocol = 'TLSv1.2';
    expect(failing(run({ db_tls: t }, { minProtocol: 'TLSv1.3' }))[0].origin.resource).toBe('setting:ssl_min_protocol_version');
    expect(run({ db_tls: { ...F.dbTls(), plaintextAttempts: null } }).status).toBe('error');
  });
});
