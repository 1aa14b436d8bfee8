// `npm run mutate:scores`: the per-file mutation scores of the last `npm run mutate`, as the Markdown table
// docs/mutation-testing.md keeps, and every surviving mutant with its place, for deciding what to test next.
import { readFileSync } from 'node:fs';

interface Mutant {
  readonly status: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: { readonly start: { readonly line: number } };
}
interface Report {
  readonly files: Record<string, { readonly mutants: readonly Mutant[] }>;
}

const report: Report = JSON.parse(readFileSync('reports/mutation/mutation.json', 'utf8'));
const KILLED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

const rows = Object.entries(report.files)
  .map(([file, { mutants }]) => {
    const counted = mutants.filter(({ status }) => COUNTED.has(status));
    const killed = counted.filter(({ status }) => KILLED.has(status)).length;
    const score = counted.length === 0 ? 100 : (100 * killed) / counted.length;
    return {
      file,
      killed,
      counted: counted.length,
      score,
      survivors: counted.filter((m) => !KILLED.has(m.status)),
    };
  })
  .sort((a, b) => a.score - b.score || a.file.localeCompare(b.file));

const total = rows.reduce(
  (sum, row) => ({ killed: sum.killed + row.killed, counted: sum.counted + row.counted }),
  {
    killed: 0,
    counted: 0,
  },
);
console.log('| file | score | killed / mutants |\n| --- | --- | --- |');
for (const { file, score, killed, counted } of rows)
  console.log(`| \`${file}\` | ${score.toFixed(1)}% | ${killed} / ${counted} |`);
console.log(
  `| all | ${((100 * total.killed) / total.counted).toFixed(1)}% | ${total.killed} / ${total.counted} |`,
);
if (process.argv.includes('--survivors')) {
  for (const { file, survivors } of rows) {
    for (const { location, mutatorName, replacement, status } of survivors)
      console.log(
        `${file}:${location.start.line} ${status} ${mutatorName} ${JSON.stringify(replacement ?? '')}`,
      );
  }
}
