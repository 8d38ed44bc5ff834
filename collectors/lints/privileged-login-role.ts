import { defineLint } from './types.ts';

export default defineLint({
  id: 'privileged_login_role',
  description: 'A role that can log in with SUPERUSER or BYPASSRLS ignores every row-level security policy; applications should not connect as one. The cluster\'s install superuser is not reported.',
  run(facts) {
    return facts.roles
      .filter((r) => r.login && !r.bootstrap && (r.superuser || r.bypassRls))
      .map((r) => {
        const attrs = [r.superuser && 'SUPERUSER', r.bypassRls && 'BYPASSRLS'].filter(Boolean).join(' and ');
        return { lint: this.id, resource: `role:${r.name}`, reason: `Login role \`${r.name}\` has ${attrs}, so it bypasses row-level security.` };
      });
  },
});
