/** Fetches a service's Prometheus exposition text. */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${baseUrl}/metrics answered ${res.status}`);
  return res.text();
}

/** Sum of the samples of one metric (optionally only the lines matching `filter`) in Prometheus exposition text. */
export function metricSum(text: string, name: string, filter?: RegExp): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (filter && !filter.test(line)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A histogram's cumulative bucket counts (summed over the lines `filter` accepts), by upper bound; +Inf as Infinity. */
export function histogramBuckets(text: string, name: string, filter?: RegExp): Map<number, number> {
  const buckets = new Map<number, number>();
  const bucketName = `${name}_bucket{`;
  for (const line of text.split('\n')) {
    if (!line.startsWith(bucketName) || (filter && !filter.test(line))) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/**
 * The upper bound of the bucket holding quantile q of what a histogram observed between two
 * scrapes (`before` may be empty): a bound, as Prometheus dashboards read it, not an interpolation.
 */
export function histogramQuantileBound(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const count = (b: number) => (after.get(b) ?? 0) - (before.get(b) ?? 0);
  const total = bounds.length ? count(bounds[bounds.length - 1]) : 0;
  if (total === 0) return null;
  for (const b of bounds) if (count(b) >= q * total) return b;
  return Infinity;
}
