import type { z } from 'zod';

type Joined<T extends readonly z.ZodRawShape[]> = T extends readonly [infer First, ...infer Rest extends readonly z.ZodRawShape[]]
  ? First & Joined<Rest>
  : unknown;

/**
 * The keys of a service's environment sections (the common keys, the service's own, those its
 * features keep beside their code) joined into one shape, for one load that names every bad
 * key. Two sections declaring one key would silently keep only the last rule: refused.
 */
export function envSections<const T extends readonly z.ZodRawShape[]>(...sections: T): Joined<T> {
  const joined: Record<string, z.ZodRawShape[string]> = {};
  for (const section of sections) {
    for (const [key, rule] of Object.entries(section)) {
      if (key in joined) throw new Error(`environment key ${key} is declared by two sections`);
      joined[key] = rule;
    }
  }
  return joined as Joined<T>;
}
