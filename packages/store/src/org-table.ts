/**
 * Org ids (up to 64 characters) are replaced by small persisted numbers inside keys and
 * locations: every envelope, node, header and index posting names its org, so a 4-byte number
 * instead of the name is what keeps locations compact. Numbers are given out in the order orgs'
 * first blocks are committed and never change. The table is small (one row per member org) and
 * lives in memory.
 */
import { fromUtf8, LiuhenError, utf8 } from '@liuhen/core';
import { type Database, type Put, scan } from './database.ts';
import { orgNameKey, orgNameRange, orgNoOfNameKey } from './keys.ts';

function orgName(value: Uint8Array): string {
  try {
    return fromUtf8(value);
  } catch (error) {
    throw new LiuhenError('STORE_CORRUPT', 'an org name is not UTF-8', { cause: error });
  }
}

export class OrgTable {
  readonly #names: string[];
  readonly #numbers: Map<string, number>;

  private constructor(names: string[]) {
    this.#names = names;
    this.#numbers = new Map(names.map((name, orgNo) => [name, orgNo]));
  }

  static async load(db: Database): Promise<OrgTable> {
    const names: string[] = [];
    for await (const [key, value] of scan(db, orgNameRange)) {
      if (orgNoOfNameKey(key) !== names.length)
        throw new LiuhenError('STORE_CORRUPT', 'org numbers have a gap');
      names.push(orgName(value));
    }
    return new OrgTable(names);
  }

  number(org: string): number | undefined {
    return this.#numbers.get(org);
  }

  name(orgNo: number): string {
    const name = this.#names[orgNo];
    if (name === undefined) throw new LiuhenError('STORE_CORRUPT', `org number ${orgNo} is not registered`);
    return name;
  }

  names(): string[] {
    return [...this.#names];
  }

  /** The number `org` has or would get, and the write that registers it if it is new. */
  allocate(org: string): { orgNo: number; puts: Put[] } {
    const known = this.#numbers.get(org);
    if (known !== undefined) return { orgNo: known, puts: [] };
    const orgNo = this.#names.length;
    return { orgNo, puts: [{ type: 'put', key: orgNameKey(orgNo), value: utf8(org) }] };
  }

  /** Records an allocation once its batch is durable. */
  register(org: string, orgNo: number): void {
    if (this.#numbers.has(org)) return;
    this.#names[orgNo] = org;
    this.#numbers.set(org, orgNo);
  }
}
