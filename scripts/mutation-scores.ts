// `npm run mutate:scores`: the per-file mutation scores of the last `npm run mutate`, as the Markdown table
// docs/mutation-testing.md keeps. With `--survivors`, every surviving mutant with the reason docs/mutation-testing.md
// gives for it ("Every survivor"), or UNEXPLAINED, as a table row ready to paste; the exit code is 1 when any
// survivor has no reason there, so a run's new survivors cannot go unlisted.
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

const REPORT = 'reports/mutation/mutation.json';
const DOCS = 'docs/mutation-testing.md';
const KILLED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

const report: Report = JSON.parse(readFileSync(REPORT, 'utf8'));

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

/** A table cell's text: pipes escaped, as in Markdown; the replacement in code quotes. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n\s*/g, ' ');
const place = (file: string, { location, mutatorName, replacement = '' }: Mutant) =>
  `| \`${file}\` | ${location.start.line} | ${mutatorName} | \`${cell(replacement)}\` |`;

if (process.argv.includes('--survivors')) {
  // The docs' rows, keyed by everything before the reason: file, line, mutator and replacement.
  const reasons = new Map<string, string>();
  for (const line of readFileSync(DOCS, 'utf8').split('\n')) {
    const match = /^(\| `lib\/.+` \| \d+ \| \w+ \| `.*` \|) (.+) \|$/.exec(line);
    if (match?.[1] && match[2]) reasons.set(match[1], match[2]);
  }
  let unexplained = 0;
  console.log('\n| file | line | mutator | replacement | why it survives |\n| --- | --- | --- | --- | --- |');
  for (const { file, survivors } of [...rows].sort((a, b) => a.file.localeCompare(b.file))) {
    for (const mutant of [...survivors].sort((a, b) => a.location.start.line - b.location.start.line)) {
      const key = place(file, mutant);
      const reason = reasons.get(key);
      if (reason === undefined) unexplained += 1;
      console.log(`${key} ${reason ?? `UNEXPLAINED (${mutant.status})`} |`);
    }
  }
  if (unexplained > 0) {
    console.error(`${unexplained} survivor(s) with no reason in ${DOCS}`);
    process.exitCode = 1;
  }
}
