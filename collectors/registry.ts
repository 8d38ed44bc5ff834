/** Every collector, listed explicitly (no discovery by naming convention). */
import type { Collector } from './types.ts';

export const COLLECTORS: Collector[] = [];
