/**
 * Classification and access commands (DESIGN §11, docs/protocol.md §15):
 *
 *   encryption-key new       a new X25519 encryption secret for this org, stored encrypted in the
 *                            data directory; its public key is then published by governance
 *                            (`governance propose org.set-encryption-key`)
 *   export-public <object…>  the open-data export of objects (GET /v1/objects/{id}/public): the
 *                            public fields and the bundles they verify against, no restricted
 *                            plaintext
 *   reads <object>           who read an object's restricted data (GET /v1/objects/{id}/reads)
 */
import { writeFileSync } from 'node:fs';
import { generateEncryptionKeyPair, LiuhenError, toHex } from '@liuhen/core';
import { loadConfig, PUBLIC_EXPORT_TYPE, resolvePassphrase, saveEncryptionKey } from '@liuhen/node';
import type { Command } from 'commander';
import { dataDirOption, jsonOption, passphraseOption, print, remote, target } from './cli-common.ts';
import { call } from './client.ts';

interface PublicExport {
  type: string;
  object: string;
  network: string;
  entries: Array<{ id: string; view: { sealed?: { restricted: boolean } } }>;
  bundle: string;
}

interface ReadJson {
  id: string;
  reader: string;
  entries: string[];
  token: string;
  operator?: string;
  route: string;
  time: number;
}

export function registerAccessCommands(program: Command): void {
  const encryptionKey = program
    .command('encryption-key')
    .description("this org's X25519 encryption keys (sealed sections), separate from its node key");
  encryptionKey
    .command('new')
    .description(
      'generate and store a new encryption key (restart the node to load it), and print the public key to publish with org.set-encryption-key',
    )
    .addOption(dataDirOption())
    .addOption(passphraseOption())
    .addOption(jsonOption())
    .action((o) => {
      const config = loadConfig(o.dataDir);
      const pair = saveEncryptionKey(o.dataDir, generateEncryptionKeyPair().secretKey, resolvePassphrase(o));
      const publicKey = toHex(pair.publicKey);
      print(o.json, { org: config.org, encryptionKey: publicKey, keyId: toHex(pair.keyId) }, () =>
        [
          `new encryption key of ${config.org}: ${publicKey} (key id ${toHex(pair.keyId)})`,
          'publish it: liuhen-node governance propose org.set-encryption-key ' +
            `--org ${config.org} --encryption-key ${publicKey} --out proposal.cbor`,
        ].join('\n'),
      );
    });

  remote(
    program
      .command('export-public')
      .description(
        "open-data export of objects: each entry's public fields and the bundle (protocol §14) they verify against; no restricted plaintext",
      ),
  )
    .argument('<objects...>', 'object ids')
    .requiredOption('--out <file>', 'where to write the export (JSON)')
    .addOption(jsonOption())
    .action(async (objects: string[], o) => {
      const exports: PublicExport[] = [];
      for (const object of objects) {
        const one = await call<PublicExport>(
          target(o),
          'GET',
          `/v1/objects/${encodeURIComponent(object)}/public`,
        );
        // Written only once every answer is the export asked for: a foreign one is not an export.
        if (one.type !== PUBLIC_EXPORT_TYPE || one.object !== object || typeof one.bundle !== 'string')
          throw new LiuhenError(
            'REQUEST_INVALID',
            `the node did not answer with the public export of ${object}`,
          );
        exports.push(one);
      }
      writeFileSync(
        o.out,
        `${JSON.stringify({ type: 'liuhen-public-exports', version: 1, exports }, null, 2)}\n`,
      );
      const summary = exports.map((e) => ({
        object: e.object,
        entries: e.entries.length,
        sealed: e.entries.filter((x) => x.view.sealed?.restricted === true).length,
      }));
      print(o.json, { out: o.out, objects: summary }, () =>
        summary
          .map(
            (s) =>
              `${o.out}: ${s.object}, ${s.entries} entries (${s.sealed} with restricted fields withheld)`,
          )
          .join('\n'),
      );
    });

  remote(program.command('reads').description("who read an object's restricted data (read audits)"))
    .argument('<object>', 'object id')
    .addOption(jsonOption())
    .action(async (object: string, o) => {
      const { reads } = await call<{ reads: ReadJson[] }>(
        target(o),
        'GET',
        `/v1/objects/${encodeURIComponent(object)}/reads`,
      );
      print(o.json, { object, reads }, () =>
        reads.length === 0
          ? `no reads of restricted data of ${object} recorded`
          : reads
              .map(
                (r) =>
                  `${new Date(r.time).toISOString()}  ${r.reader}  token ${r.token}${r.operator === undefined ? '' : ` (operator ${r.operator})`}  ${r.route}  ${r.entries.length} entr${r.entries.length === 1 ? 'y' : 'ies'}`,
              )
              .join('\n'),
      );
    });
}
