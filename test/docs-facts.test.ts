// The facts the README and docs/ state that can drift from what they describe, read from the documents and checked
// against serverless.yml, the code and package.json: the functions, their reserved concurrency and what the account
// must allow, the routes, each secret's fields, the deploy parameters, the bundles, the version; and every
// relative link (with its #anchor) leads somewhere.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rotatorConfig } from '#lib/handlers/config/rotator-config.ts';
import { secretsManagerConfig } from '#lib/handlers/config/secrets-manager-config.ts';
import { syncConfig } from '#lib/handlers/config/sync-config.ts';

const README = readFileSync('README.md', 'utf8');
// CloudFormation's tags (!Ref, !GetAtt, ...) are left unresolved: only the framework's own keys are read.
const SERVICE = parse(readFileSync('serverless.yml', 'utf8'), { logLevel: 'silent' });
const PARAMS: Record<string, unknown> = SERVICE.params.default;
const FUNCTIONS: Record<
  string,
  { handler: string; reservedConcurrency: number | string; events?: unknown[] }
> = SERVICE.functions;
const PACKAGE = JSON.parse(readFileSync('package.json', 'utf8'));

/** The rows of the Markdown table whose header row starts with `| first |`, each as its cells. */
function table(markdown: string, first: string): string[][] {
  const lines = markdown.split('\n').map((line) => line.trim());
  const start = lines.findIndex((line) => line.startsWith(`| ${first} |`));
  if (start < 0) throw new Error(`no table headed "${first}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The `code` spans of a cell. */
const codes = (cell = '') => [...cell.matchAll(/`([^`]+)`/g)].map(([, code = '']) => code);

/** A parameter's default, with ${param:x} resolved as the framework does. */
const param = (name: string): unknown => {
  const value = PARAMS[name];
  const reference = typeof value === 'string' ? /^\$\{param:(\w+)\}$/.exec(value) : null;
  return reference ? param(reference[1] ?? '') : value;
};
const reserved = (name: string) => {
  const value = FUNCTIONS[name]?.reservedConcurrency;
  const reference = typeof value === 'string' ? /^\$\{param:(\w+)\}$/.exec(value) : null;
  return Number(reference ? param(reference[1] ?? '') : value);
};

describe('the README, against serverless.yml', () => {
  it('lists every function, its entry point and its reserved concurrency', () => {
    const rows = table(README, 'function');

    expect(
      rows.map(([name, entry, , concurrency]) => [
        codes(name)[0],
        codes(entry)[0],
        Number.parseInt(concurrency ?? '', 10),
      ]),
    ).toEqual(
      Object.entries(FUNCTIONS).map(([name, { handler }]) => [
        name,
        `${handler.replace(/\.handler$/, '')}.ts`,
        reserved(name),
      ]),
    );
  });

  it('asks for the concurrency the functions reserve, plus the 100 AWS keeps unreserved, where it is checked', () => {
    const needed = Object.keys(FUNCTIONS).reduce((sum, name) => sum + reserved(name), 100);

    expect(README).toContain(`a \`ConcurrentExecutions\` limit of at least **${needed}**`);
    expect(readFileSync('docs/examples/bootstrap.sh', 'utf8')).toContain(`if (( limit < ${needed} )); then`);
  });

  it('lists every HTTP route, its function, and which are behind AWS_IAM', () => {
    const routes = Object.entries(FUNCTIONS).flatMap(([name, { events = [] }]) =>
      events.flatMap((event) => {
        const { httpApi } = event as {
          httpApi?: { method: string; path: string; authorizer?: { type: string } };
        };
        return httpApi
          ? [[`${httpApi.method} ${httpApi.path}`, httpApi.authorizer?.type === 'aws_iam', name]]
          : [];
      }),
    );

    expect(
      table(README, 'route').map(([route, callers, fn]) => [
        codes(route)[0],
        Boolean(callers?.includes('AWS_IAM')),
        codes(fn)[0],
      ]),
    ).toEqual(expect.arrayContaining(routes));
    expect(table(README, 'route')).toHaveLength(routes.length);
  });

  it("names each function's secret as the template does, with exactly the fields that function accepts", () => {
    const rows = table(README, 'secret').map(([secret, fn, fields]) => [
      codes(secret)[0],
      codes(fn)[0],
      codes(fields),
    ]);
    const stage = (name: string) => String(param(name)).replace(`\${sls:stage}`, '<stage>');

    expect(rows).toEqual([
      [stage('secretName'), 'rotate', [...rotatorConfig.secretFields]],
      [stage('syncSecretName'), 'sync', [...syncConfig.secretFields]],
      [stage('smRotationSecretName'), 'secretsManagerRotation', [...secretsManagerConfig.secretFields]],
    ]);
  });

  it('documents every deploy parameter, and no other', () => {
    const documented = table(README, 'parameter').flatMap(([names]) => codes(names));

    expect([...documented].sort()).toEqual(Object.keys(PARAMS).sort());
  });

  it('names the bundle of every function', () => {
    const functions = readdirSync('functions').map((file) => basename(file, '.ts'));

    for (const name of functions) expect(README).toContain(`\`dist/${name}/index.mjs\``);
    expect(README.match(/`dist\/[\w-]+\/index\.mjs`/g)).toHaveLength(functions.length);
  });

  it('installs the CLI from the tarball npm pack makes of this version', () => {
    const tarball = `./${PACKAGE.name}-${PACKAGE.version}.tgz`;

    for (const document of [README, readFileSync('docs/cli.md', 'utf8')])
      expect(document).toContain(`npm install --global ${tarball}`);
  });

  it('is the version openapi.yaml and the changelog name', () => {
    expect(parse(readFileSync('openapi.yaml', 'utf8')).info.version).toBe(PACKAGE.version);
    expect(/^## (\S+),/m.exec(readFileSync('CHANGELOG.md', 'utf8'))?.[1]).toBe(PACKAGE.version);
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');

const DOCUMENTS = [
  'README.md',
  'CHANGELOG.md',
  'BENCHMARKS.md',
  ...readdirSync('docs', { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file)),
];

describe('every relative link in the README and docs/', () => {
  it('includes one from the README to every document in docs/', () => {
    const linked = new Set([...README.matchAll(/\]\((docs\/[^)#\s]+\.md)\)/g)].map(([, target]) => target));

    expect(DOCUMENTS.filter((document) => document.startsWith('docs/') && !linked.has(document))).toEqual([]);
  });

  it.each(DOCUMENTS)('%s: leads to a file there, and to a heading when it names one', (document) => {
    const text = readFileSync(document, 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map(([, target = '']) => target)
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => {
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? document : normalize(join(dirname(document), path));
        if (!existsSync(file)) return true;
        if (anchor === undefined || !file.endsWith('.md')) return false;
        const headings = [...readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map(([, heading = '']) =>
          anchorOf(heading),
        );
        return !headings.includes(anchor);
      });

    expect(broken).toEqual([]);
  });
});
