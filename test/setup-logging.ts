import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { keepForDiagnosis, OutputTail } from './helpers/diagnosis';

// Tests print only the SDK's warnings and errors; the worker's info lines would bury the test output. They are kept,
// the newest few hundred, and printed with a test that fails (test/environment.js).
const SHOWN = new Set(['WARN', 'ERROR']);

function logLine({ level, message, meta, timestampNanos }: LogEntry): string {
  const at = new Date(Number(timestampNanos / 1_000_000n)).toISOString();
  return `${at} [${level}] ${message}${meta && Object.keys(meta).length > 0 ? ` ${JSON.stringify(meta)}` : ''}`;
}

const kept = new OutputTail(logLine);

Runtime.install({
  logger: new DefaultLogger('INFO', (entry) => {
    kept.add(entry);
    if (SHOWN.has(entry.level)) console.error(logLine(entry));
  }),
});
keepForDiagnosis('in-process worker (SDK log, INFO and up)', () => kept.text());
