import type { CallLegEvent } from '@callhooks/contracts';
import type { SeededRandom } from './seeded-random';

/**
 * What at-least-once producers on several platform nodes do to a call's raw events:
 * reorder them and deliver some twice. The copies keep their event_id (that is how the
 * enricher recognises them).
 */
export function disorderLegs(legs: readonly CallLegEvent[], rng: SeededRandom, options: { shuffle: boolean; duplicateRatio: number }): CallLegEvent[] {
  const out: CallLegEvent[] = [];
  for (const leg of legs) {
    out.push(leg);
    if (options.duplicateRatio > 0 && rng.chance(options.duplicateRatio)) out.push({ ...leg });
  }
  return options.shuffle ? rng.shuffle(out) : out;
}
