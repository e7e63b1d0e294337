/**
 * liuhen-inspect: verify one object's whole trace against the network's genesis, from a node or
 * from an offline bundle. Exit codes: 0 clean; 1 verification failed, or findings at or above
 * --fail-on; 2 usage or environment error. Typed error codes are printed as `error CODE: …`.
 *
 * A cleared inspector (`--org`, `--clearance restricted`, `--encryption-key`) opens the sealed
 * sections its org's key opens, and the rules judge the restricted fields in them; otherwise a
 * rule that needs one is reported as not checkable at this clearance.
 */
import { rename, writeFile } from 'node:fs/promises';
import { knownProfiles, profileFor } from '@liuhen/client';
import { fetchBundle, loadAnchor, loadBundleBytes, UsageError } from '@liuhen/client/node';
import { decodeGenesis } from '@liuhen/governance';
import {
  type Bundle,
  decodeBundle,
  errorCode,
  explainRule,
  isTraceError,
  parseTime,
  readBundle,
  ruleCatalogue,
  type TraceReport,
  verifyBundle,
  type WitnessPolicy,
} from '@liuhen/trace';
import { Command, CommanderError, Option } from 'commander';
import { stderrProgress } from './progress.ts';
import { readerOf } from './reader.ts';
import { renderReport } from './render.ts';

const program = new Command('liuhen-inspect')
  .description("Liuhen (留痕) inspector: verify an object's whole trace, offline or from a node")
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

function print(json: boolean | undefined, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

function exitFor(report: TraceReport, failOn: 'error' | 'warning'): number {
  if (report.verdict === 'failed') return 1;
  return failOn === 'warning' && report.findings.some((f) => f.severity === 'warning') ? 1 : 0;
}

function witnessPolicy(o: { witnesses?: string; witnessThreshold?: string }): WitnessPolicy {
  const threshold = o.witnessThreshold === undefined ? undefined : Number(o.witnessThreshold);
  if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold < 0)) {
    throw new UsageError('USAGE', '--witness-threshold must be a whole number');
  }
  return {
    ...(o.witnesses === undefined ? {} : { witnesses: o.witnesses.split(',').map((w) => w.trim()) }),
    ...(threshold === undefined ? {} : { threshold }),
  };
}

program
  .command('verify')
  .description("verify an object's trace: signatures, certificates, inclusion, witnessing, DAG, times, rules")
  .argument('<object>', 'object id, e.g. SZ-WS000123-WS000124#1')
  .option('--node <url>', 'node API URL to export the bundle from')
  .option('--token <token>', 'API token (else LIUHEN_TOKEN)')
  .option('--bundle <file>', 'bundle file (binary or JSON form), verified offline')
  .option('--genesis <file>', 'the trusted genesis (CBOR or JSON)')
  .option('--network-id <hex>', 'the trusted network id (SHA-256 of the genesis)')
  .option('--as-of <time>', 'judge as of this time (ISO 8601 or ms; default now)')
  .option('--witnesses <list>', 'org ids whose cosignatures count (default: every member)')
  .option('--witness-threshold <k>', 'distinct witnesses required (default: a majority of the eligible)')
  .addOption(
    new Option('--fail-on <severity>', 'exit 1 on findings at or above')
      .choices(['error', 'warning'])
      .default('error'),
  )
  .option('--org <id>', "the reader's org: sealed fields open only for an org holding a wrapped key")
  .addOption(
    new Option(
      '--clearance <level>',
      'what the reader may see (default internal, as any node); restricted opens sealed fields',
    ).choices(['public', 'internal', 'restricted']),
  )
  .option(
    '--encryption-key <file>',
    "an encryption key file of the reader's org (the node's keys/encryption/<key id>.json); repeat for retired keys",
    (file: string, files: string[] = []) => [...files, file],
  )
  .option('--passphrase-file <file>', 'file holding the key passphrase (else LIUHEN_PASSPHRASE)')
  .option('--json', 'the report as JSON')
  .action(async (object: string, o) => {
    const reader = await readerOf(o);
    const anchor = await loadAnchor(o, true);
    const asOf = o.asOf === undefined ? Date.now() : parseTime(o.asOf);
    const bytes = await loadBundleBytes(object, o);
    let bundle: Bundle;
    try {
      bundle = readBundle(bytes);
    } catch (error) {
      // Evidence that arrived but does not decode has failed verification; say why.
      if (!isTraceError(error)) throw error;
      print(o.json, { verdict: 'failed', object, error: { code: error.code, message: error.message } }, () =>
        [`FAILED: ${object} — the bundle is unreadable`, `  ${error.message}`].join('\n'),
      );
      process.exitCode = 1;
      return;
    }
    const profile = await profileFor(genesisProfileOf(bundle.genesis) ?? '');
    const progress = stderrProgress(!o.json);
    const { report } = verifyBundle(bundle, {
      object,
      anchor: anchor ?? {},
      ...(profile === undefined ? {} : { profile }),
      witnessPolicy: witnessPolicy(o),
      asOf,
      ...(reader === undefined ? {} : { reader }),
      onProgress: progress.onProgress,
    });
    progress.end();
    print(o.json, report, () => renderReport(report));
    process.exitCode = exitFor(report, o.failOn);
  });

/** The profile id a genesis names; whether to trust the genesis is verification's question. */
function genesisProfileOf(genesis: Uint8Array): string | undefined {
  try {
    return decodeGenesis(genesis).profile;
  } catch {
    return undefined;
  }
}

program
  .command('bundle')
  .description("export an object's bundle from a node (GET /v1/objects/{id}/bundle) to a file")
  .argument('<object>', 'object id')
  .requiredOption('--node <url>', 'node API URL')
  .option('--token <token>', 'API token (else LIUHEN_TOKEN)')
  .requiredOption('--out <file>', 'where to write the bundle (binary form)')
  .option('--attachments', "ask the node to include the attachments' bytes")
  .option('--json', 'machine-readable output')
  .action(async (object: string, o) => {
    const bytes = await fetchBundle(
      o.node,
      object,
      o.token ?? process.env.LIUHEN_TOKEN,
      o.attachments === true,
    );
    const bundle = decodeBundle(bytes);
    // Written whole or not at all: a half-written bundle would look like tampering later.
    const temporary = `${o.out}.partial`;
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, o.out);
    } catch (error) {
      throw new UsageError('FILE_UNWRITABLE', `cannot write ${o.out}: ${(error as Error).message}`);
    }
    const entries = bundle.logs.reduce((n, l) => n + l.entries.length, 0);
    const summary = {
      file: o.out,
      bytes: bytes.length,
      object: bundle.object,
      logs: bundle.logs.length,
      entries,
    };
    print(
      o.json,
      summary,
      () =>
        `wrote ${o.out}: ${bytes.length} bytes, ${entries} entries in ${bundle.logs.length} logs for ${bundle.object}`,
    );
  });

program
  .command('explain')
  .description('explain a rule or finding code')
  .argument('<code>', 'e.g. TRACE_WITNESS_POLICY, OPERATOR_REVOKED, P-COVER')
  .option('--json', 'machine-readable output')
  .action(async (code: string, o) => {
    const profiles = await knownProfiles();
    const rule = [undefined, ...profiles].map((p) => explainRule(code, p)).find((r) => r !== undefined);
    if (rule === undefined) {
      const codes = profiles.flatMap((p) => ruleCatalogue(p)).map((r) => r.code);
      throw new UsageError(
        'UNKNOWN_RULE',
        `no rule ${code}; known: ${[...new Set([...ruleCatalogue().map((r) => r.code), ...codes])].join(', ')}`,
      );
    }
    print(o.json, rule, () =>
      [
        `${rule.code} — ${rule.title}`,
        `severity: ${rule.severity}`,
        `clause:   ${rule.clause}`,
        '',
        rule.explanation,
      ].join('\n'),
    );
  });

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
