/**
 * liuhen-replay: an object's verified history for incident review — the timeline, the state at a
 * time and what was known then, a step-by-step walk, the difference between two steps, and a
 * self-contained HTML incident file. Exit codes: 0 ok, 1 the trace failed verification (it is
 * still shown, marked), 2 usage or environment error.
 */
import { rename, writeFile } from 'node:fs/promises';
import { profileFor } from '@liuhen/client';
import { loadAnchor, loadBundleBytes, UsageError } from '@liuhen/client/node';
import { type Clearance, isClearance, leafHash, toHex, type ViewReader } from '@liuhen/core';
import { decodeGenesis } from '@liuhen/governance';
import {
  type Bundle,
  errorCode,
  parseTime,
  Replay,
  readBundle,
  TraceError,
  verifyBundle,
} from '@liuhen/trace';
import { Command, CommanderError } from 'commander';
import { renderHtml } from './html.ts';
import { loadReaderKeys, type ReaderKeys } from './reader-keys.ts';
import { missingFromState, scope } from './scoped.ts';
import { walk } from './stepper.ts';
import {
  renderChanges,
  renderKnown,
  renderRestricted,
  renderState,
  renderTimeline,
  when,
} from './timeline.ts';

const program = new Command('liuhen-replay')
  .description("Liuhen (留痕) incident replay: an object's verified history, step by step")
  .version('0.1.0')
  .argument('<object>', 'object id, e.g. SZ-WS000123-WS000124#1')
  .option('--node <url>', 'node API URL to export the bundle from')
  .option('--token <token>', 'API token (else LIUHEN_TOKEN)')
  .option('--bundle <file>', 'bundle file (binary or JSON form)')
  .option('--genesis <file>', 'pin the network: the trusted genesis (CBOR or JSON)')
  .option('--network-id <hex>', 'pin the network: its id (SHA-256 of the genesis)')
  .option('--at <time>', 'the moment under review (ISO 8601 or ms): state then, and what was known')
  .option('--step', 'walk the history one entry at a time, with what each changed')
  .option('--diff <range>', 'what changed between two steps, A..B (0 is before the first entry)')
  .option('--html <file>', 'write a self-contained HTML incident file')
  .option('--org <id>', "the reader's org: sealed fields are shown only to an org holding a wrapped key")
  .option(
    '--clearance <level>',
    'what the reader may see: public, internal (default, as an API token) or restricted',
    'internal',
  )
  .option(
    '--encryption-key <file>',
    "an encryption key file of the reader's org (the node's keys/encryption/<key id>.json); repeat for retired keys",
    (file: string, files: string[] = []) => [...files, file],
  )
  .option('--passphrase-file <file>', 'file holding the key passphrase (else LIUHEN_PASSPHRASE)')
  .option('--json', 'machine-readable output')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

function parseRange(text: string, steps: number): [number, number] {
  const match = /^(\d+)\.\.(\d+)$/.exec(text);
  const a = Number(match?.[1]);
  const b = Number(match?.[2]);
  if (match === null || a > steps || b > steps) {
    throw new UsageError('USAGE', `--diff wants A..B with steps between 0 and ${steps}, e.g. 3..7`);
  }
  return [a, b];
}

function profileIdOf(genesis: Uint8Array): string {
  try {
    return decodeGenesis(genesis).profile;
  } catch {
    return '';
  }
}

type Options = Record<string, string | boolean | string[] | undefined>;

/** Who reads: an org, a clearance and, for sealed fields, the org's keys (unlocked here). */
async function readerOf(o: Options): Promise<{ reader: ViewReader; keys?: ReaderKeys }> {
  const clearance = o.clearance;
  if (!isClearance(clearance))
    throw new UsageError(
      'USAGE',
      `--clearance wants public, internal or restricted, not ${String(clearance)}`,
    );
  const files = (o.encryptionKey as string[] | undefined) ?? [];
  if (files.length > 0 && typeof o.org !== 'string')
    throw new UsageError('USAGE', '--encryption-key needs --org: the org whose key it is');
  const keys =
    files.length === 0 ? undefined : await loadReaderKeys(files, o.passphraseFile as string | undefined);
  return {
    reader: {
      clearance: clearance as Clearance,
      ...(typeof o.org === 'string' ? { org: o.org } : {}),
      ...(keys === undefined ? {} : { keys: keys.keys }),
    },
    ...(keys === undefined ? {} : { keys }),
  };
}

async function main(object: string, o: Options): Promise<void> {
  const { reader, keys } = await readerOf(o);
  const anchor = await loadAnchor(
    { genesis: o.genesis as string | undefined, networkId: o.networkId as string | undefined },
    false,
  );
  const at = o.at === undefined ? undefined : parseTime(o.at as string);
  const bytes = await loadBundleBytes(object, {
    ...(o.node === undefined ? {} : { node: o.node as string }),
    ...(o.token === undefined ? {} : { token: o.token as string }),
    ...(o.bundle === undefined ? {} : { bundle: o.bundle as string }),
  });
  let bundle: Bundle;
  try {
    bundle = readBundle(bytes);
  } catch (error) {
    if (!(error instanceof TraceError)) throw error;
    console.error(
      `error ${error.code}: the bundle is unreadable: ${error.message.replace(`${error.code}: `, '')}`,
    );
    process.exitCode = 1;
    return;
  }
  const profile = await profileFor(profileIdOf(bundle.genesis));
  const verification = verifyBundle(bundle, {
    object,
    ...(anchor === undefined ? {} : { anchor }),
    ...(profile === undefined ? {} : { profile }),
    asOf: Math.max(Date.now(), at ?? 0),
  });
  // Every view below (timeline, walk, state, JSON, HTML) shows and folds what the reader may see.
  const scoped = scope(verification, reader, keys?.grantsOf);
  const { report } = scoped.verification;
  const restrictions = [...scoped.restrictions.values()];
  const replay = new Replay(scoped.verification, profile);
  const moment = at ?? report.entries.reduce((m, e) => Math.max(m, e.firstWitnessed ?? e.time), 0);
  const atState = at === undefined ? undefined : replay.stateAt(at);
  const missing = at === undefined ? [] : missingFromState(scoped, at);
  const known = replay.knownAt(moment);
  const diff = o.diff === undefined ? undefined : parseRange(o.diff as string, replay.steps.length);
  const changes = diff === undefined ? undefined : replay.diff(diff[0], diff[1]);

  if (typeof o.html === 'string') {
    const leafHashes = new Map(verification.entries.map((t) => [t.idHex, toHex(leafHash(t.envelope))]));
    const html = renderHtml({
      report,
      leafHashes,
      at: moment,
      state: (atState ?? replay.stateAt(moment)).state,
      known,
      reader,
      restrictions,
      missing: missingFromState(scoped, moment),
    });
    try {
      await writeFile(`${o.html}.partial`, html);
      await rename(`${o.html}.partial`, o.html);
    } catch (error) {
      throw new UsageError('FILE_UNWRITABLE', `cannot write ${o.html}: ${(error as Error).message}`);
    }
  }

  if (o.json) {
    const steps = o.step
      ? [...replay.walk()].map((s) => ({ step: s.step, entry: s.entry.idHex, changes: s.changes }))
      : undefined;
    console.log(
      JSON.stringify(
        {
          report,
          reader: { org: reader.org ?? null, clearance: reader.clearance },
          restricted: restrictions,
          ...(at === undefined || atState === undefined
            ? {}
            : {
                at: {
                  time: at,
                  steps: atState.steps,
                  state: atState.state,
                  known,
                  missing: missing.map((r) => r.entry),
                },
              }),
          ...(steps === undefined ? {} : { steps }),
          ...(diff === undefined ? {} : { diff: { from: diff[0], to: diff[1], changes } }),
          ...(typeof o.html === 'string' ? { html: o.html } : {}),
        },
        null,
        2,
      ),
    );
  } else {
    if (!o.step) console.log(renderTimeline(report, at, scoped.restrictions));
    if (o.step) await walk(replay, report.entries, report.findings, scoped.restrictions);
    if (restrictions.length > 0) console.log(`\n${renderRestricted(restrictions, reader)}`);
    if (at !== undefined && atState !== undefined) {
      console.log(
        `\n${renderState(`State at ${when(at)} (${atState.steps} of ${replay.steps.length} entries claim a time by then)`, atState.state, missing)}`,
      );
      console.log(`\n${renderKnown(report, known)}`);
    }
    if (diff !== undefined && changes !== undefined) {
      console.log(`\n${renderChanges(`Changes from step ${diff[0]} to step ${diff[1]}`, changes)}`);
    }
    if (typeof o.html === 'string') console.log(`\nwrote ${o.html}`);
    if (report.verdict === 'failed') {
      console.log(
        `\nverification FAILED (${report.summary.errors} errors): run liuhen-inspect verify for the full report`,
      );
    }
  }
  process.exitCode = report.verdict === 'failed' ? 1 : 0;
}

program.action(async (object: string, o) => main(object, o));

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    const code = errorCode(error) ?? 'ERROR';
    console.error(`error ${code}: ${(error as Error).message.replace(`${code}: `, '')}`);
    process.exitCode = 2;
  }
}
