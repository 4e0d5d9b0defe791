export * from './seeded-random';
export * from './call-scenarios';
export * from './leg-disorder';
export * from './traffic';
