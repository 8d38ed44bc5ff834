/**
 * TLS for the platform's own database connections (control database_connections_tls).
 *
 * On the embedded server's first start with TLS we make a private CA and a server
 * certificate for 127.0.0.1 / localhost signed by it (node-forge: Node's crypto makes the
 * keys but cannot write X.509). The server key goes into the data directory, mode 0600,
 * owned by the user the server runs as (PostgreSQL refuses a key others can read); the CA
 * certificate, public, goes to `<data root>/tls/ca.crt` for clients. The CA's private key
 * is never written anywhere: it signs once and is dropped, so no file on this machine can
 * mint another certificate the clients would trust. A new server certificate means a new
 * CA (delete both and restart).
 *
 * Clients verify the server: every URL we hand out carries `sslmode=verify-full` and
 * `sslrootcert` (node-postgres reads both; it checks the certificate chain against that
 * CA and the host, here the IP SAN 127.0.0.1).
 */
import forge from 'node-forge';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SERVER_CERT = 'server.crt';
export const SERVER_KEY = 'server.key';
/** The lowest protocol the server accepts; the claim states it. */
export const MIN_TLS = 'TLSv1.2';

export interface TlsFiles {
  /** Public CA certificate clients verify the server against. */
  caFile: string;
}

function pemCert(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert);
}

function makeCert(opts: {
  subject: string;
  publicKey: forge.pki.PublicKey;
  issuer: forge.pki.CertificateField[];
  signer: forge.pki.rsa.PrivateKey;
  ca: boolean;
  years: number;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = opts.publicKey;
  // A positive random serial (the high bit cleared), as RFC 5280 asks.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + opts.years * 365 * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: opts.subject }]);
  cert.setIssuer(opts.issuer);
  const ext: object[] = opts.ca
    ? [{ name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }]
    : [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ];
  cert.setExtensions(ext);
  cert.sign(opts.signer, forge.md.sha256.create());
  return cert;
}

function rsaPair(): { publicKey: forge.pki.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privatePem: string } {
  // Node's native generator (forge's pure-JS one takes seconds); forge reads the PEM.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  return { publicKey: forge.pki.publicKeyFromPem(publicKey), privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey, privatePem: privateKey };
}

/** A CA and a server certificate it signed, as PEM. The CA key is not returned (see top). */
export function makeServerTls(name = 'trust-evidence embedded PostgreSQL'): { caPem: string; certPem: string; keyPem: string } {
  const ca = rsaPair();
  const caName = [{ name: 'commonName', value: `${name} CA ${randomBytes(4).toString('hex')}` }];
  const caCert = makeCert({ subject: caName[0].value, publicKey: ca.publicKey, issuer: caName, signer: ca.privateKey, ca: true, years: 10 });
  const server = rsaPair();
  const cert = makeCert({ subject: 'localhost', publicKey: server.publicKey, issuer: caCert.subject.attributes as forge.pki.CertificateField[], signer: ca.privateKey, ca: false, years: 10 });
  return { caPem: pemCert(caCert), certPem: pemCert(cert), keyPem: server.privatePem };
}

/** Writes a file atomically with the given mode (and owner, when given). */
function writeAtomic(file: string, text: string, mode: number, owner?: { uid: number; gid: number }): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  if (owner) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, file);
}

/** `<data root>/tls/ca.crt`: the CA certificate clients trust. */
export function caFileOf(root: string): string {
  return path.join(root, 'tls', 'ca.crt');
}

/**
 * Makes the server's TLS files once: server.crt and server.key in the data directory
 * (owned like the data directory, key 0600) and the CA certificate under `<root>/tls`.
 * Returns whether they were made now (the caller then writes the server's TLS settings).
 */
export function ensureServerTls(root: string, dbDir: string): { created: boolean; caFile: string } {
  const caFile = caFileOf(root);
  if (existsSync(path.join(dbDir, SERVER_KEY)) && existsSync(caFile)) return { created: false, caFile };
  const { caPem, certPem, keyPem } = makeServerTls();
  const st = statSync(dbDir);
  const owner = typeof process.getuid === 'function' && process.getuid() === 0 ? { uid: st.uid, gid: st.gid } : undefined;
  writeAtomic(path.join(dbDir, SERVER_KEY), keyPem, 0o600, owner);
  writeAtomic(path.join(dbDir, SERVER_CERT), certPem, 0o644, owner);
  mkdirSync(path.dirname(caFile), { recursive: true, mode: 0o755 });
  writeAtomic(caFile, caPem, 0o644);
  return { created: true, caFile };
}

/** The URL with the client's verification of the server: sslmode=verify-full against `caFile`. */
export function withVerifiedTls(url: string, caFile: string): string {
  const u = new URL(url);
  u.searchParams.set('sslmode', 'verify-full');
  u.searchParams.set('sslrootcert', caFile);
  return u.toString();
}

/**
 * pg_hba.conf of the embedded server: the platform's roles (and the admin) only over TLS
 * (hostssl) with a password, loopback only. No `host` (non-TLS) line at all, so a
 * plaintext connection attempt is refused by the server, not merely not made by us. The
 * `local` line serves no one today (the server opens no Unix socket:
 * unix_socket_directories is empty); it lets the admin in by password should an operator
 * open a socket for maintenance, and never the platform's roles.
 */
export const EMBEDDED_HBA = `# Written by platform/db/embedded.ts on the first start with TLS; the gate reads it
# (control database_connections_tls) and never rewrites it.
# TYPE   DATABASE  USER      ADDRESS        METHOD
local    all       postgres                 scram-sha-256
hostssl  all       all       127.0.0.1/32   scram-sha-256
hostssl  all       all       ::1/128        scram-sha-256
`;

/** postgresql.conf lines for TLS (appended once; later edits by an operator are observed, not healed). */
export const EMBEDDED_TLS_CONF = `
# TLS for every connection (platform/db/tls.ts); the gate checks it (database_connections_tls).
ssl = on
ssl_cert_file = '${SERVER_CERT}'
ssl_key_file = '${SERVER_KEY}'
ssl_min_protocol_version = '${MIN_TLS}'
`;
