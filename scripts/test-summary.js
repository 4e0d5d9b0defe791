#!/usr/bin/env node
// Adds up the jest JSON reports of a test run into one closing line: "tests: N passed, N failed".
const { readFileSync, existsSync } = require('node:fs');
let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) { failed += 1; console.error(`missing test report ${file} (the runner crashed)`); continue; }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
  skipped += r.numPendingTests + (r.numTodoTests || 0);
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
