/**
 * `--step`: the replay one entry at a time, each with what it changed in the object's state. On
 * a terminal it waits for Enter between steps (q quits); piped, it prints every step, so the same
 * walk can be saved to a file.
 */
import { createInterface } from 'node:readline/promises';
import type { Finding, Replay, ReportEntry } from '@liuhen/trace';
import type { Restriction } from './scoped.ts';
import { renderChanges, timelineLine } from './timeline.ts';

export async function walk(
  replay: Replay,
  entries: readonly ReportEntry[],
  findings: readonly Finding[],
  restrictions: ReadonlyMap<string, Restriction> = new Map(),
): Promise<void> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const prompt = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  try {
    for (const step of replay.walk()) {
      const e = entries[step.step - 1] as ReportEntry;
      console.log(timelineLine(e, findings, restrictions.get(e.id)));
      console.log(
        renderChanges(`  changes after step ${step.step}:`, step.changes).split('\n').slice(1).join('\n') ||
          '    no change',
      );
      if (prompt !== undefined && step.step < entries.length) {
        const answer = await prompt.question('  [Enter] next, q quit > ');
        if (answer.trim().toLowerCase() === 'q') break;
      }
    }
  } finally {
    prompt?.close();
  }
}
