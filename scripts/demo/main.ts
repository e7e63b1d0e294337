/**
 * The demo, step by step (scripts/demo.ts runs it): six departments' nodes from one ceremony, a
 * generated project fed through their APIs, then the inspector, the replay report, sealed data,
 * equivocation and tampering, and a summary.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateScenario, type Scenario } from '@liuhen/profile-pipe/scenario';
import { Holdings, NodeApi } from './api.ts';
import {
  classification,
  equivocate,
  inspect,
  replayReport,
  tamper,
  untilWitnessed,
  type Verdict,
} from './checks.ts';
import { type FeedNode, feed, quantile } from './feed.ts';
import { cleanUp, Daemon, freePort, stopAll } from './network.ts';
import { buildProject, DEPARTMENTS, LATE_BY_MS } from './project.ts';
import { appointments, ROGUE, setUp } from './setup.ts';

const YEAR = 365.25 * 86_400_000;
const DAY = 86_400_000;
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const say = (line: string) => console.log(line);
const step = (title: string) => console.log(`\n${bold(`== ${title}`)}`);

export interface DemoOptions {
  readonly keep: boolean;
  readonly segments: number;
  readonly years: number;
  /** Resolves when the user asks to stop (Ctrl-C) — awaited with --keep. */
  readonly interrupted: Promise<void>;
  /** Set while the demo waits for Ctrl-C with --keep. */
  readonly state: { waiting: boolean };
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const daemons = new Map<string, Daemon>();
  try {
    step('1. A project from the scenario generator');
    // The project ends about now, so the network's clock meets real time when the feed is done.
    const start = Math.floor((Date.now() - options.years * YEAR - 2 * DAY) / 3_600_000) * 3_600_000;
    const scenario: Scenario = generateScenario({
      seed: 'liuhen demo',
      segments: options.segments,
      years: options.years,
      preset: 'joint-leak',
      patrolsPerYear: 2,
      start,
    });
    say(
      `  ${scenario.segments.length} segments and their manholes, registered ${new Date(start).toISOString().slice(0, 10)}, through construction, acceptance and ${options.years} years of operation: ${scenario.entries.length} entries`,
    );
    say(`  planted: ${scenario.expected.map((x) => `${x.code} on ${x.object} (${x.why})`).join('; ')}`);
    say(
      `  and, live: the incident segment's pressure test recorded ${LATE_BY_MS / 3_600_000} h after it was made`,
    );

    step('2. Six departments, one genesis: the offline ceremony (2 of 3 authorities)');
    const setup = await setUp(scenario, start, say);

    for (const d of setup.departments)
      say(`  ${d.dept.label.padEnd(28)} ${d.dept.id.padEnd(12)} ${d.people.join(', ')}`);
    say(`  ${ROGUE.label.padEnd(28)} ${ROGUE.id.padEnd(12)} (no daemon: the demo plays it)`);
    const s = setup;

    step('3. Start the six nodes');
    const bootClock = start - 79 * DAY;
    await Promise.all(
      s.departments.map(async (d) => {
        for (let attempt = 1; ; attempt++) {
          try {
            daemons.set(d.dept.id, await Daemon.start(d.dept.id, d.dir, bootClock));
            return;
          } catch (error) {
            // The p2p port was free when the ceremony chose it; another process may have taken it
            // since. The node then listens elsewhere: it dials the others, so they still meet.
            if (attempt >= 3 || !/EADDRINUSE/.test((error as Error).message)) throw error;
            s.movePort(d.dept.id, await freePort());
          }
        }
      }),
    );
    const apis = new Map(
      s.departments.map((d) => [d.dept.id, new NodeApi((daemons.get(d.dept.id) as Daemon).url, d.token)]),
    );
    await until(180_000, 'a full mesh of six', async () => {
      for (const api of apis.values()) {
        const peers = (await api.get<{ peers: Array<{ org?: string }> }>('/v1/peers')).peers;
        if (new Set(peers.map((p) => p.org)).size < DEPARTMENTS.length - 1) return false;
      }
      return true;
    });
    for (const d of s.departments)
      say(
        `  ${d.dept.id.padEnd(12)} ${(daemons.get(d.dept.id) as Daemon).url}  pid ${(daemons.get(d.dept.id) as Daemon).pid}`,
      );
    // Each department appoints its people, then the utility's encryption key (signed by
    // authorities 1 and 3) is submitted to one node.
    await Promise.all(
      s.departments.map(async (d) => {
        const api = apis.get(d.dept.id) as NodeApi;
        for (const envelope of appointments(d, s.network, bootClock - 60_000)) await api.postSigned(envelope);
      }),
    );
    say(`  ${s.signers.size} people appointed on their departments' logs`);
    const submitted = await (apis.get('qsa') as NodeApi).request<{ seq: number }>(
      'POST',
      '/v1/governance/actions',
      {
        signedAction: (await import('node:fs')).readFileSync(s.encryptionAction).toString('base64'),
      },
    );
    await until(120_000, 'the governance action on every node', async () => {
      for (const api of apis.values())
        if ((await api.status()).governance.seq !== submitted.seq) return false;
      return true;
    });
    say(
      `  governance action ${submitted.seq}: the water utility's X25519 encryption key, applied on all six nodes`,
    );

    step('4. The business systems record the project through the nodes’ APIs');
    const project = buildProject(scenario, s.network, s.signers, {
      org: 'utility',
      publicKey: s.utilityKey.publicKey,
    });
    const nodes = new Map<string, FeedNode>(
      [...apis].map(([org, api]) => [
        org,
        { org, daemon: daemons.get(org) as Daemon, api, holdings: new Holdings(api) },
      ]),
    );
    const setClock = async (ms: number) => {
      await Promise.all([...daemons.values()].map((d) => d.setClock(ms)));
    };
    const fed = await feed(project, scenario, nodes, setClock, say);
    await setClock(Date.now());
    say(
      `  ${fed.entries} entries in ${fed.blocks} blocks in ${fed.seconds.toFixed(0)} s (${fed.windows} recording windows); cosign latency (ack → first witness) p50 ${Math.round(quantile(fed.cosignMs, 0.5))} ms, p95 ${Math.round(quantile(fed.cosignMs, 0.95))} ms`,
    );

    step("5. The inspector on every segment (from the testing lab's node, trusting only the network id)");
    await untilWitnessed(apis.get('lab') as NodeApi, [...apis.keys()]);
    const verdicts: Verdict[] = [];
    for (const object of project.segments)
      verdicts.push(
        await inspect(object, apis.get('lab') as NodeApi, s.networkId, say, object === project.incident),
      );
    const reports = join(s.base, 'reports');
    mkdirSync(reports, { recursive: true });
    const html = join(reports, `${project.incident.replace(/[^A-Za-z0-9-]+/g, '_')}.html`);
    await replayReport(project.incident, apis.get('qsa') as NodeApi, s.networkId, html);
    say(`  replay report of the incident segment: ${html}`);

    step('6. Classification: the restricted fields are sealed for the water utility');
    const sealed = await classification(project, s, apis, reports, say);
    if (sealed.utilityReadBy === 'client')
      say(
        '  not yet available: node-side sealing and scoped reads (the node holds no encryption key: `liuhen-node encryption-key new` is missing, issue 8)',
      );

    step('7. Equivocation: the rehabilitation contractor signs two histories');
    const fraud = await equivocate(s, apis, scenario, say);
    say(
      `  ${fraud.holders.length} of ${apis.size} nodes hold the fraud proof (${fraud.ms} ms after the second block)`,
    );

    step("8. Tampering: one byte of a stored entry on the supervision firm's node");
    const victim = project.entries.find(
      (e) => e.object === project.incident && e.kind === 'inspection.hidden-works-accepted',
    );
    if (victim === undefined) throw new Error('no hidden-works acceptance on the incident segment');
    const supervision = daemons.get('supervision') as Daemon;
    await supervision.stop();
    say(
      `  stopped; changed one byte of the J07 hidden-works acceptance (entry ${victim.id.slice(0, 12)}…); liuhen-node verify:`,
    );
    const tampered = await tamper(supervision.dir, victim.envelope, say);
    say(
      `  ${tampered.caught ? 'caught ✔ (exit 1)' : 'NOT caught ✘'}; original byte restored, node restarted`,
    );
    const restarted = await Daemon.start('supervision', supervision.dir, Date.now());
    daemons.set('supervision', restarted);
    apis.set('supervision', new NodeApi(restarted.url, (apis.get('supervision') as NodeApi).token));

    step('Summary');
    for (const v of verdicts) say(`  ${v.line}${v.codes.length > 0 ? `  [${v.codes.join(', ')}]` : ''}`);
    say(
      `  network: ${DEPARTMENTS.length} departments, ${fed.entries} entries, ${fed.blocks} blocks; cosign p50 ${Math.round(quantile(fed.cosignMs, 0.5))} ms`,
    );
    say(`  late recording flagged: ${verdicts.some((v) => v.late > 0) ? 'yes' : 'no'}`);
    say(`  tamper detection: ${tampered.caught ? 'verify caught the altered entry' : 'NOT caught'}`);
    say(`  equivocation: fraud proof held by ${fraud.holders.length} of ${apis.size} nodes`);
    const exported = sealed.publicExport;
    say(
      `  classification: utility reads ${sealed.utilityRead ? '✔' : '✘'}, lab verifies ${sealed.labVerified ? '✔' : '✘'} and cannot read ${sealed.labCannotRead ? '✔' : '✘'}, public export ${'unavailable' in exported ? `not yet available (${exported.unavailable})` : `verifies ${exported.verified ? '✔' : '✘'} with ${exported.leaked} restricted values`}`,
    );
    say(`  replay report: ${html}`);
    if (!('unavailable' in exported)) say(`  public export: ${exported.file}`);
    say('  web inspector:');
    for (const dept of DEPARTMENTS)
      say(`    ${dept.id.padEnd(12)} ${(daemons.get(dept.id) as Daemon).url}/  (${dept.label})`);
    say(`  elapsed ${elapsed()}`);
    if (options.keep) {
      say('\nThe network stays up for exploration: each node serves the web inspector at its URL above,');
      say('and its API (curl -H "authorization: Bearer TOKEN" URL/v1/status) with its token:');
      for (const d of s.departments)
        say(`  ${d.dept.id.padEnd(12)} token ${d.token}  pid ${(daemons.get(d.dept.id) as Daemon).pid}`);
      say(`Data under ${s.base} (removed on stop, except reports/).`);
      say(bold('Press Ctrl-C to stop the network.'));
      options.state.waiting = true;
      await options.interrupted;
    }
  } finally {
    await stopAll();
    cleanUp();
  }
}

async function until(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
