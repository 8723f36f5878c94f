// test/README.md maps every promise of the README to the test that proves it.
// This keeps the map honest: every README feature heading has a row, every row
// names a heading that exists, and every named test exists under that title.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** `##` and `###` headings outside fenced code blocks. */
function featureHeadings(markdown: string): string[] {
  let fenced = false;
  const headings: string[] = [];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = /^#{2,3} (.+)$/.exec(line);
    if (!fenced && heading?.[1]) headings.push(heading[1].trim());
  }
  return headings;
}

/** The cells of the table that follows `## <title>`; header and separator rows dropped. */
function tableRows(markdown: string, title: string): string[][] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(`${title}\n`));
  if (!section) throw new Error(`test/README.md has no "## ${title}" section`);
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) => line.slice(1, -1).split(' | ').map((cell) => cell.trim()));
}

const readme = featureHeadings(read('README.md'));
const claims = read('test/README.md');
const proven = tableRows(claims, 'Claims');
const unproven = tableRows(claims, 'Not proven by a test here');

test('every README feature heading has at least one claim with its test', () => {
  const covered = new Set(proven.map(([section]) => section));
  expect(readme.filter((heading) => !covered.has(heading))).toEqual([]);
  expect(readme.length).toBeGreaterThan(5);
});

test('every claim names a README heading, a test file and a test in it with exactly that title', () => {
  expect(proven.length).toBeGreaterThan(50);
  const problems: string[] = [];
  for (const [section, claim, file, title] of proven) {
    if (!section || !claim || !file || !title) {
      problems.push(`a row has an empty cell: ${JSON.stringify([section, claim, file, title])}`);
      continue;
    }
    if (!readme.includes(section)) problems.push(`"${section}" is not a heading of README.md`);
    if (!/^test\/.+\.test\.ts$/.test(file) || file.startsWith('test/fakes/')) problems.push(`${file} is not a test of Rampart`);
    else if (!existsSync(path.join(ROOT, file))) problems.push(`${file} does not exist`);
    else if (!new RegExp(`\\b(?:test|it)\\(\\s*(['"\`])${escape(title)}\\1`).test(read(file))) {
      problems.push(`${file} has no test titled "${title}"`);
    }
  }
  expect(problems).toEqual([]);
});

test('every claim left unproven names its README heading and says why', () => {
  for (const [section, claim, why] of unproven) {
    expect({ section, known: readme.includes(section ?? '') }).toEqual({ section, known: true });
    expect((claim ?? '').length).toBeGreaterThan(0);
    expect((why ?? '').length).toBeGreaterThan(10);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
