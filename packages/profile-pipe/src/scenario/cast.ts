/**
 * The organisations and people of a scenario: a Shenzhen municipal project with the five
 * responsible parties, the lab, the review agency, the quality supervision station, the city
 * archive, the utility, a CCTV firm and a repair contractor. Keys are derived from the seed, so
 * the same scenario always has the same keys and the same entry ids.
 */
import {
  type EncryptionKeyPair,
  encryptionKeyPair,
  publicKeyFromSeed,
  sha256,
  toHex,
  utf8,
} from '@liuhen/core';
import {
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  type Genesis,
  type GenesisOrg,
  nationalIdHash,
  type Party,
} from '@liuhen/governance';
import type { Role } from '../roles.ts';

export interface CastOrg {
  readonly id: string;
  readonly name: string;
  readonly creditCode: string;
  readonly parties: readonly Party[];
  readonly nodeSeed: Uint8Array;
  readonly nodeKey: Uint8Array;
  /**
   * The org's X25519 encryption key (sealed sections): the scenario seals restricted fields to
   * it, and a test reads them back with it. Not published in the genesis; the scenario's
   * governance log is empty.
   */
  readonly encryptionKey: EncryptionKeyPair;
}

export interface Person {
  /** Short handle used by the generator, e.g. `se-feng`. */
  readonly handle: string;
  readonly org: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly licence: string;
  readonly idHash: Uint8Array;
  readonly seed: Uint8Array;
  readonly key: Uint8Array;
  readonly validFrom: number;
  readonly validUntil: number;
}

const ORGS: readonly (readonly [string, string, string, readonly Party[]])[] = [
  ['owner', '深圳市某区水务工程建设管理中心', '12440300MB2C0', ['owner']],
  ['survey', '深圳市某勘察测绘院有限公司', '91440300MA5D1', ['survey']],
  ['design', '深圳市某市政设计研究院有限公司', '91440300MA5D2', ['design']],
  ['contractor', '深圳市某建设工程有限公司', '91440300MA5D3', ['contractor']],
  ['supervision', '深圳市某工程监理有限公司', '91440300MA5D4', ['supervision']],
  ['lab', '深圳市某建设工程质量检测中心', '91440300MA5D5', ['lab']],
  ['review', '深圳市某施工图审查有限公司', '91440300MA5D6', ['review']],
  ['qsa', '深圳市某区建设工程质量监督站', '12440300MB2C1', ['qsa']],
  ['archive', '深圳市城市建设档案馆', '12440300MB2C2', ['archive']],
  ['utility', '深圳市某水务有限公司', '91440300MA5D7', ['utility']],
  ['cctv', '深圳市某管道检测技术有限公司', '91440300MA5D8', ['inspection']],
  ['repair', '深圳市某管道修复工程有限公司', '91440300MA5D9', ['contractor']],
];

interface PersonSpec {
  readonly handle: string;
  readonly org: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly licence: string;
  /** Years after the start: when the appointment begins and ends. */
  readonly from: number;
  readonly to: number;
  /** Same person as another handle (same licence and ID), appointed by another org. */
  readonly alias?: string;
}

/** People and their appointment windows, in years from the project start. */
const PEOPLE: readonly PersonSpec[] = [
  {
    handle: 'own-chen',
    org: 'owner',
    name: '陈国强',
    roles: ['OWN'],
    licence: '粤建管2000-0317',
    from: 0,
    to: 4,
  },
  {
    handle: 'sur-li',
    org: 'survey',
    name: '李明',
    roles: ['SUR'],
    licence: '注册岩土工程师AY004412',
    from: 0,
    to: 4,
  },
  {
    handle: 'geo-zhao',
    org: 'survey',
    name: '赵磊',
    roles: ['GEO'],
    licence: '注册测绘师440100231',
    from: 0,
    to: 4,
  },
  {
    handle: 'des-wang',
    org: 'design',
    name: '王芳',
    roles: ['DES'],
    licence: '一级注册结构工程师S990127',
    from: 0,
    to: 4,
  },
  {
    handle: 'des-liu',
    org: 'design',
    name: '刘洋',
    roles: ['DES'],
    licence: '注册公用设备工程师G001945',
    from: 0,
    to: 30,
  },
  {
    handle: 'pm-zhang',
    org: 'contractor',
    name: '张伟',
    roles: ['PM'],
    licence: '一级建造师粤1441998000123',
    from: 0,
    to: 4,
  },
  {
    handle: 'pm-huang',
    org: 'contractor',
    name: '黄海',
    roles: ['PM'],
    licence: '一级建造师粤1442000000456',
    from: 0,
    to: 4,
  },
  {
    handle: 'tl-zhou',
    org: 'contractor',
    name: '周强',
    roles: ['TL'],
    licence: '工程师证粤T0031',
    from: 0,
    to: 4,
  },
  {
    handle: 'qi-wu',
    org: 'contractor',
    name: '吴敏',
    roles: ['QI'],
    licence: '质检员证粤Z0112',
    from: 0,
    to: 4,
  },
  {
    handle: 'qi-sun',
    org: 'contractor',
    name: '孙丽',
    roles: ['QI'],
    licence: '质检员证粤Z0157',
    from: 0,
    to: 4,
  },
  {
    handle: 'cse-zheng',
    org: 'supervision',
    name: '郑建华',
    roles: ['CSE'],
    licence: '注册监理工程师44001123',
    from: 0,
    to: 4,
  },
  {
    handle: 'se-feng',
    org: 'supervision',
    name: '冯涛',
    roles: ['SE'],
    licence: '注册监理工程师44002317',
    from: 0,
    to: 30,
  },
  {
    handle: 'se-he',
    org: 'supervision',
    name: '何静',
    roles: ['SE'],
    licence: '注册监理工程师44002380',
    from: 0,
    to: 4,
  },
  // The same person as qi-sun, also appointed by the supervision firm: a separation-of-duties hazard.
  {
    handle: 'se-sun',
    org: 'supervision',
    name: '孙丽',
    roles: ['SE'],
    licence: '质检员证粤Z0157',
    from: 0,
    to: 4,
    alias: 'qi-sun',
  },
  { handle: 'lab-ma', org: 'lab', name: '马超', roles: ['LAB'], licence: '检测员证粤J0442', from: 0, to: 4 },
  {
    handle: 'rev-gao',
    org: 'review',
    name: '高远',
    roles: ['REV'],
    licence: '审图机构一类粤SD001',
    from: 0,
    to: 4,
  },
  {
    handle: 'qsa-lin',
    org: 'qsa',
    name: '林峰',
    roles: ['QSA'],
    licence: '监督员证粤QS0071',
    from: 0,
    to: 30,
  },
  {
    handle: 'arc-luo',
    org: 'archive',
    name: '罗娟',
    roles: ['ARC'],
    licence: '档案员证粤DA0203',
    from: 0,
    to: 15,
  },
  {
    handle: 'arc-xu',
    org: 'archive',
    name: '徐丹',
    roles: ['ARC'],
    licence: '档案员证粤DA0651',
    from: 15,
    to: 30,
  },
  {
    handle: 'opr-xie',
    org: 'utility',
    name: '谢军',
    roles: ['OPR'],
    licence: '排水管道工证粤PS0102',
    from: 0,
    to: 10,
  },
  {
    handle: 'opr-han',
    org: 'utility',
    name: '韩梅',
    roles: ['OPR'],
    licence: '排水管道工证粤PS0418',
    from: 10,
    to: 20,
  },
  {
    handle: 'opr-qian',
    org: 'utility',
    name: '钱涛',
    roles: ['OPR'],
    licence: '排水管道工证粤PS0855',
    from: 20,
    to: 30,
  },
  {
    handle: 'cctv-tang',
    org: 'cctv',
    name: '唐杰',
    roles: ['CCTV'],
    licence: 'CCTV检测员粤CT0019',
    from: 0,
    to: 15,
  },
  {
    handle: 'cctv-song',
    org: 'cctv',
    name: '宋宇',
    roles: ['CCTV'],
    licence: 'CCTV检测员粤CT0233',
    from: 15,
    to: 30,
  },
  {
    handle: 'rpm-deng',
    org: 'repair',
    name: '邓华',
    roles: ['PM'],
    licence: '一级建造师粤1442005000789',
    from: 1,
    to: 30,
  },
];

export const YEAR = 365.25 * 86_400_000;

export interface Cast {
  readonly orgs: readonly CastOrg[];
  readonly people: readonly Person[];
  readonly genesis: Genesis;
  person(handle: string): Person;
  /** The person of `org` holding `role` at `time` (the first listed wins). */
  on(org: string, role: Role, time: number): Person;
}

export function makeCast(label: string, start: number): Cast {
  const seedOf = (what: string) => sha256(utf8(`liuhen scenario ${label} ${what}`));
  const orgs: CastOrg[] = ORGS.map(([id, name, code, parties], i) => {
    const first17 = `${code}${String(i + 1).padStart(17 - code.length, '0')}`;
    const nodeSeed = seedOf(`${id} node`);
    return {
      id,
      name,
      creditCode: first17 + creditCodeCheckCharacter(first17),
      parties,
      nodeSeed,
      nodeKey: publicKeyFromSeed(nodeSeed),
      encryptionKey: encryptionKeyPair(seedOf(`${id} encryption`)),
    };
  });
  const ids = new Map<string, Uint8Array>();
  const people: Person[] = PEOPLE.map((p) => {
    const identity = p.alias ?? p.handle;
    let idHash = ids.get(identity);
    if (idHash === undefined) {
      idHash = nationalIdHash(seedOf(`${identity} salt`), `4403011970${toHex(seedOf(identity)).slice(0, 8)}`);
      ids.set(identity, idHash);
    }
    const seed = seedOf(`${p.handle} operator`);
    return {
      handle: p.handle,
      org: p.org,
      name: p.name,
      roles: p.roles,
      licence: p.licence,
      idHash,
      seed,
      key: publicKeyFromSeed(seed),
      validFrom: Math.round(start + p.from * YEAR - 60 * 86_400_000),
      validUntil: Math.round(start + (p.to >= 30 ? 100 : p.to) * YEAR),
    };
  });
  const authorities = [1, 2, 3].map((i) => publicKeyFromSeed(seedOf(`authority ${i}`)));
  const genesis: Genesis = {
    version: 1,
    name: `Liuhen scenario ${label}`,
    profile: 'pipe/1',
    created: start - 90 * 86_400_000,
    authorities: { keys: authorities, threshold: 2 },
    orgs: orgs.map(
      (o): GenesisOrg => ({
        id: o.id,
        name: o.name,
        creditCode: o.creditCode,
        nodeKey: o.nodeKey,
        parties: o.parties,
        bootstrap: [],
      }),
    ),
    parameters: DEFAULT_PARAMETERS,
  };
  const byHandle = new Map(people.map((p) => [p.handle, p]));
  return {
    orgs,
    people,
    genesis,
    person(handle) {
      const p = byHandle.get(handle);
      if (p === undefined) throw new RangeError(`no person ${handle}`);
      return p;
    },
    on(org, role, time) {
      const p = people.find(
        (x) =>
          x.org === org &&
          x.roles.includes(role) &&
          x.validFrom <= time &&
          time <= x.validUntil &&
          x.handle !== 'se-sun' &&
          x.handle !== 'pm-huang',
      );
      if (p === undefined) throw new RangeError(`no ${role} of ${org} at ${new Date(time).toISOString()}`);
      return p;
    },
  };
}
