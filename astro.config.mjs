// The security site (site/astro-config.ts). evidence/site/build.ts runs Astro with the same
// configuration and refuses to build when a claimed-live control is not observed live.
import { defineConfig } from 'astro/config';
import { siteConfig } from './site/astro-config.ts';

export default defineConfig(await siteConfig());
