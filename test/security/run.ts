/**
 * `npm run test:security`: runs the security suite through test/run.ts, then prints the table of every attack
 * tried and its outcome, so the last line of the output reads `security: <A> attacks tried, <B> got through`.
 * Exits non-zero when a test failed or the report is missing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderReport, resetReport } from './support/attack-log.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'tsc-security-report-'));
const report = path.join(dir, 'report.jsonl');
resetReport(report);

const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/run.ts', 'security', ...process.argv.slice(2)], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, TSC_SECURITY_REPORT: report },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('close', (exit) => resolve(exit ?? 1));
});

const text = readFileSync(report, 'utf8');
rmSync(dir, { recursive: true, force: true });
if (text.trim() === '') {
  process.stdout.write('\nsecurity: no report was written (the suite did not run to its end)\n');
  process.exitCode = code === 0 ? 1 : code;
} else {
  process.stdout.write(`\n${renderReport(text)}\n`);
  process.exitCode = code;
}
