// The pure simulator; the Kafka sender is `@callhooks/call-simulator/call-leg.sender` (kept apart so the pure part loads no Kafka client).
export * from './seeded-random';
export * from './call-scenarios';
export * from './leg-disorder';
export * from './traffic';
