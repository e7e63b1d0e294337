/**
 * Governance failures keep their stable codes on the way out (issue 5): every GOVERNANCE_ERROR_CODES
 * code has its own HTTP status, never the 500 of an unexpected error; each way a submitted action
 * fails answers its code and status from `POST /v1/governance/actions`; an append the governance
 * state forbids answers its governance code; and `liuhen-node governance submit`, a real child
 * process against the API on 127.0.0.1, prints the node's code and exits 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCanonical, generateKeyPair, type KeyPair, toBase64 } from '@liuhen/core';
import {
  type ActionSignature,
  encodeSignedAction,
  GOVERNANCE_ERROR_CODES,
  type SignedAction,
  signAction,
} from '@liuhen/governance';
import { LedgerStore } from '@liuhen/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliAsync } from '../../../scripts/lib/node-process.ts';
import { httpStatus } from '../src/http/errors.ts';
import type { LedgerNode } from '../src/ledger-node.ts';
import { T0 } from './fixtures.ts';
import {
  addLab,
  OrgLog,
  OWN,
  removeOrg,
  rotateKey,
  TestNetwork,
  testApi,
  twoOrgNetwork,
} from './governance-fixtures.ts';

let dir: string;
let supervisor: KeyPair;
let net: TestNetwork;
let node: LedgerNode;
let app: Awaited<ReturnType<typeof testApi>>;

const removeNobody = () => removeOrg('nobody', 0, 'no such member');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liuhen-governance-errors-'));
  ({ supervisor, net } = twoOrgNetwork());
  node = await net.openNode(await LedgerStore.open(join(dir, 'db')), OWN, supervisor, {
    now: () => T0 + 86_400_000,
  });
  app = await testApi(node);
});
afterEach(async () => {
  await app.close();
  await node.close();
  rmSync(dir, { recursive: true, force: true });
});

async function submit(signed: SignedAction | Uint8Array): Promise<[number, string]> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/governance/actions',
    headers: { authorization: 'Bearer test' },
    payload: { signedAction: toBase64(signed instanceof Uint8Array ? signed : encodeSignedAction(signed)) },
  });
  return [response.statusCode, response.statusCode === 201 ? 'ok' : response.json().error.code];
}

describe('governance error codes over HTTP', () => {
  it('map every governance code to a status of its own kind, never 500', () => {
    for (const code of Object.keys(GOVERNANCE_ERROR_CODES)) {
      expect([400, 403, 409], code).toContain(httpStatus(code));
    }
  });

  it('answer each refused action with its code and status', async () => {
    const state = node.governance.state;
    const add = net.act(state, addLab());
    const other = new TestNetwork([{ id: OWN, nodeKey: supervisor.publicKey }]);
    const stranger = generateKeyPair();
    const first = add.signatures[0] as ActionSignature;
    const forged: SignedAction = {
      ...add,
      signatures: add.signatures.map((s) =>
        s === first ? { key: s.key, signature: s.signature.map((b) => b ^ 1) } : s,
      ),
    };
    const refusals: Array<[string, number, SignedAction | Uint8Array]> = [
      // Not an action at all: a canonical map of other keys.
      ['GOV_ACTION_INVALID', 400, encodeCanonical([encodeCanonical({ hello: 'world' }), []])],
      [
        'GOV_DUPLICATE_SIGNER',
        400,
        encodeCanonical([add.actionBytes, [first, first].map((s) => [s.key, s.signature])]),
      ],
      ['GOV_WRONG_NETWORK', 400, other.act(state, addLab())],
      ['GOV_ACTION_OUT_OF_ORDER', 409, net.act(state, addLab(), [0, 1], 2)],
      ['GOV_CHAIN_BROKEN', 409, net.act({ seq: 0, head: { seq: 0, hash: new Uint8Array(32) } }, addLab())],
      ['GOV_SIGNER_NOT_AUTHORITY', 403, signAction(net.act(state, addLab(), [0]), stranger.seed)],
      ['GOV_UNDER_THRESHOLD', 403, net.act(state, addLab(), [2])],
      ['GOV_SIGNATURE_INVALID', 403, forged],
      ['GOV_ACTION_REFUSED', 409, net.act(state, removeNobody())],
    ];
    const answers = [];
    for (const [, , signed] of refusals) answers.push(await submit(signed));
    expect(answers).toEqual(refusals.map(([code, status]) => [status, code]));
    expect(node.governance.seq).toBe(0);

    expect(await submit(add)).toEqual([201, 'ok']);
    expect(await submit(add)).toEqual([409, 'GOV_ACTION_REPLAYED']);
    expect(await submit(net.act({ seq: 0, head: state.position(0) }, removeNobody()))).toEqual([
      409,
      'GOV_ACTION_CONFLICT',
    ]);
  });

  it('answer an append the governance state forbids with its code', async () => {
    // The node key is rotated out with no overlap: this node may sign no further block.
    await node.governance.submit(
      net.act(node.governance.state, rotateKey(OWN, generateKeyPair().publicKey, 0)),
    );
    const log = new OrgLog(net.network, OWN, supervisor);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/signed-entries',
      headers: { authorization: 'Bearer test' },
      payload: { envelope: toBase64(log.appointment().envelope) },
    });
    expect([response.statusCode, response.json().error.code]).toEqual([403, 'NODE_KEY_RETIRED']);
  });
});

describe('governance error codes in the CLI', () => {
  it('`governance submit` prints the code the node answered and exits 2', { timeout: 120_000 }, async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    const file = join(dir, 'remove.cbor');
    writeFileSync(file, encodeSignedAction(net.act(node.governance.state, removeNobody())));
    const result = await cliAsync([
      'governance',
      'submit',
      file,
      '--node',
      `http://127.0.0.1:${address.port}`,
      '--token',
      'test',
    ]);
    expect(result.stderr).toMatch(/^error GOV_ACTION_REFUSED: .*"nobody" is not a member/m);
    expect(result.status).toBe(2);
  });
});
