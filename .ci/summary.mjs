// Sums the vitest JSON reports of every project into one closing line: "N passed, N failed".
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const files = [];
for (const dir of ['packages', 'apps']) {
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) files.push(join(dir, name, 'test-results.json'));
}
for (const dir of ['e2e', 'bench']) files.push(join(dir, 'test-results.json'));
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  if (!existsSync(file)) {
    // A project that has tests but wrote no report crashed before its end: say so, not nothing.
    if (existsSync(join(file, '..', 'vitest.config.ts'))) console.log(`${file}: missing`);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
