import { defineLint } from './types.ts';

export default defineLint({
  id: 'security_definer_search_path',
  description: 'A SECURITY DEFINER function without a fixed search_path runs with its owner\'s rights but resolves names through the caller\'s search_path, so a caller can plant objects it will use.',
  run(facts) {
    return facts.functions
      .filter((f) => f.securityDefiner && !f.config.some((c) => c.startsWith('search_path=')))
      .map((f) => ({
        lint: this.id,
        resource: `function:${f.schema}.${f.name}(${f.arguments})`,
        reason: `SECURITY DEFINER function \`${f.schema}.${f.name}(${f.arguments})\` owned by \`${f.owner}\` does not set search_path.`,
      }));
  },
});
