// `npm run mutate:scores`: the per-file mutation scores of the last `npm run mutate`, as the Markdown table
// docs/mutation-testing.md keeps. With `--survivors`, every surviving mutant, its source as it was and as the mutant
// makes it, with the reason docs/mutation-testing.md gives for that very change, or UNEXPLAINED, as a table row
// ready to paste; the exit code is 1 when any survivor has no reason there. A reason is matched by the file, the
// mutator and the change itself, not by the line: a reason written for another change (a line that moved, a mutant
// that is another now) does not count.
import { readFileSync } from 'node:fs';

interface Position {
  readonly line: number;
  readonly column: number;
}
interface Mutant {
  readonly status: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: { readonly start: Position; readonly end: Position };
}
interface Report {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
}

const REPORT = 'reports/mutation/mutation.json';
const DOCS = 'docs/mutation-testing.md';
const KILLED = new Set(['Killed', 'Timeout']);
const COUNTED = new Set(['Killed', 'Timeout', 'Survived', 'NoCoverage']);

const report: Report = JSON.parse(readFileSync(REPORT, 'utf8'));

const rows = Object.entries(report.files)
  .map(([file, { source, mutants }]) => {
    const counted = mutants.filter(({ status }) => COUNTED.has(status));
    const killed = counted.filter(({ status }) => KILLED.has(status)).length;
    const score = counted.length === 0 ? 100 : (100 * killed) / counted.length;
    return {
      file,
      killed,
      counted: counted.length,
      score,
      source,
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

/** A change's text for a table cell: on one line, cut, in code quotes that hold whatever backticks it has. */
const code = (text: string) => {
  const flat = text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
  const cut = flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
  return cut.includes('`') ? `\`\` ${cut} \`\`` : `\`${cut}\``;
};

/** The source a mutant replaces (columns are 1-based in Stryker's report). */
function original(source: string, { start, end }: Mutant['location']) {
  const lines = source.split('\n').slice(start.line - 1, end.line);
  if (lines.length === 1) return (lines[0] ?? '').slice(start.column - 1, end.column - 1);
  lines[0] = (lines[0] ?? '').slice(start.column - 1);
  lines[lines.length - 1] = (lines.at(-1) ?? '').slice(0, end.column - 1);
  return lines.join('\n');
}

/** What names a survivor for its reason: its file, the mutator, and the change (what was there → what it becomes). */
const keyOf = (file: string, mutator: string, changed: string) => `${file} | ${mutator} | ${changed}`;
const changeOf = (source: string, mutant: Mutant) =>
  `${code(original(source, mutant.location))} → ${code(mutant.replacement ?? '')}`;

/** A docs row's cells, split on the pipes that are no part of a cell's text. */
const cellsOf = (row: string) =>
  row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

if (process.argv.includes('--survivors')) {
  // The docs' rows (file, line, mutator, change, reason), keyed by everything but the line.
  const reasons = new Map<string, string>();
  for (const row of readFileSync(DOCS, 'utf8').split('\n')) {
    if (!row.startsWith('| `lib/')) continue;
    const [file, , mutator, changed, reason] = cellsOf(row);
    if (file && mutator && changed && reason) reasons.set(keyOf(file, mutator, changed), reason);
  }
  let unexplained = 0;
  console.log('\n| file | line | mutator | change | why it survives |\n| --- | --- | --- | --- | --- |');
  for (const { file, source, survivors } of [...rows].sort((a, b) => a.file.localeCompare(b.file))) {
    for (const mutant of [...survivors].sort((a, b) => a.location.start.line - b.location.start.line)) {
      const changed = changeOf(source, mutant);
      const reason = reasons.get(keyOf(`\`${file}\``, mutant.mutatorName, changed));
      if (reason === undefined) unexplained += 1;
      const line = mutant.location.start.line;
      const why = reason ?? `UNEXPLAINED (${mutant.status})`;
      console.log(`| \`${file}\` | ${line} | ${mutant.mutatorName} | ${changed} | ${why} |`);
    }
  }
  if (unexplained > 0) {
    console.error(`${unexplained} survivor(s) with no reason in ${DOCS}`);
    process.exitCode = 1;
  }
}
