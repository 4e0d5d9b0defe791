/** The one key of an input partition in the runtime's maps (locks, pauses, lingers, lag series). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** The offset after `offset`: what a consumer commits once it handled the record at `offset`. */
export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
