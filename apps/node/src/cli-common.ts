/** Options and output helpers shared by the liuhen-node commands. */
import { LiuhenError } from '@liuhen/core';
import { loadConfig } from '@liuhen/node';
import { type Command, Option } from 'commander';
import type { Target } from './client.ts';

export const dataDirOption = () =>
  new Option('-d, --data-dir <dir>', 'node data directory').env('LIUHEN_DATA_DIR').makeOptionMandatory();
export const passphraseOption = () =>
  new Option('--passphrase-file <file>', 'file holding the key passphrase (else LIUHEN_PASSPHRASE)');
export const jsonOption = () => new Option('--json', 'machine-readable output');

export function print(json: boolean | undefined, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

export function target(options: { node?: string; token?: string; dataDir?: string }): Target {
  const token = options.token ?? process.env.LIUHEN_TOKEN;
  if (!token) throw new LiuhenError('CONFIG_INVALID', 'no API token: pass --token or set LIUHEN_TOKEN');
  if (options.node) return { url: options.node, token };
  if (options.dataDir) {
    const config = loadConfig(options.dataDir);
    return { url: `http://${config.host}:${config.port}`, token };
  }
  throw new LiuhenError('CONFIG_INVALID', 'say which node: --node URL or --data-dir DIR');
}

export const remote = (command: Command) =>
  command
    .option('--node <url>', 'node API URL (default: from --data-dir config)')
    .option('--token <token>', 'API token (else LIUHEN_TOKEN)')
    .addOption(new Option('-d, --data-dir <dir>', 'node data directory').env('LIUHEN_DATA_DIR'));
