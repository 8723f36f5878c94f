// How long the customers CSV takes to read (issue 11: "50,000 rows in under a
// second"): 50,000 rows, and a 5 MB list, each parsed 7 times; prints one JSON
// line with the median and the slowest run, in ms, and rows per second.
//   npm run bench:csv
import { parseCustomersCsv } from '../src/breach/customers-csv';

function csvOf(rows: number): string {
  const lines = ['customer,email,data_affected'];
  for (let i = 0; i < rows; i += 1) lines.push(`"Customer ${i % (rows / 3)}, Ltd",c${i}@x${i % (rows / 3)}.example,"names, billing addresses, invoice amounts"`);
  return lines.join('\r\n');
}

function timed(csv: string, runs = 7): { medianMs: number; slowestMs: number } {
  const ms: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = process.hrtime.bigint();
    parseCustomersCsv(csv);
    ms.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { medianMs: Math.round(ms[Math.floor(ms.length / 2)] ?? 0), slowestMs: Math.round(ms.at(-1) ?? 0) };
}

const rows50k = csvOf(50_000);
const fiveMb = csvOf(90_000);
const a = timed(rows50k);
const b = timed(fiveMb);
process.stdout.write(
  `${JSON.stringify({
    rows50k: { bytes: rows50k.length, ...a, rowsPerSecond: Math.round(50_000 / (a.medianMs / 1000)) },
    fiveMb: { bytes: fiveMb.length, rows: 90_000, ...b },
    node: process.version,
  })}\n`,
);
