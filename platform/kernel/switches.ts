/**
 * The switches of the speed tricks. Each trick (a hand-written codec, a deparser shortcut, a
 * patched library) lives in a module of its own, has an equivalence test against the plain
 * way, and can be turned off by an environment variable, so a suspected trick can be ruled
 * out in one run: `TRUST_AUDIT_COPY_CODEC=0 npx trust audit verify`.
 *
 * A switch is on unless its variable says 0, off, false or no. It is read at the moment of
 * use, so a test can turn a trick off around one call.
 */
export function trickEnabled(variable: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return !/^(0|off|false|no)$/i.test((env[variable] ?? '').trim());
}
