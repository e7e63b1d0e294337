/**
 * Published RFC 6962 test vectors, copied as data from github.com/transparency-dev/merkle (file
 * versions at the commits noted):
 *   - testonly/constants.go @582a6ad1: LeafInputs, NodeHashes, RootHashes, CompactTrees,
 *     EmptyRootHash;
 *   - proof/verify_test.go @02194e9a: inclusionProofs, consistencyProofs, roots, leaves (the
 *     Certificate Transparency set, also in google/certificate-transparency). Leaf numbers there
 *     are 1-based; here `index` is the 0-based leaf index;
 *   - proof/proof_test.go @02a3e202: TestInclusion and TestConsistency node lists. There a split
 *     sibling is listed bottom-up and marked by a "rehash" range; here it is one entry listing its
 *     perfect nodes left to right, as our ProofPlan does.
 */

export const LEAF_INPUTS: readonly string[] = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

export const EMPTY_ROOT_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** NODE_HASHES[level][index] for every perfect node of the 8-leaf tree. */
export const NODE_HASHES: readonly (readonly string[])[] = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
];

/** ROOTS[size] for sizes 0..8. */
export const ROOTS: readonly string[] = [
  EMPTY_ROOT_HEX,
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** COMPACT_TREES[size]: the frontier (compact range [0, size)) as [level, index] of NODE_HASHES. */
export const COMPACT_TREES: readonly (readonly [number, number][])[] = [
  [],
  [[0, 0]],
  [[1, 0]],
  [
    [1, 0],
    [0, 2],
  ],
  [[2, 0]],
  [
    [2, 0],
    [0, 4],
  ],
  [
    [2, 0],
    [1, 2],
  ],
  [
    [2, 0],
    [1, 2],
    [0, 6],
  ],
  [[3, 0]],
];

export interface InclusionVector {
  readonly index: number;
  readonly size: number;
  readonly proof: readonly string[];
}

export const INCLUSION_PROOFS: readonly InclusionVector[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    index: 2,
    size: 3,
    proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
  },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

export interface ConsistencyVector {
  readonly size1: number;
  readonly size2: number;
  readonly proof: readonly string[];
}

export const CONSISTENCY_PROOFS: readonly ConsistencyVector[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** A plan as [level, index] pairs: one inner list per proof element. */
export type PlanVector = readonly (readonly (readonly [number, number])[])[];

export const INCLUSION_PLANS: readonly { index: number; size: number; plan: PlanVector }[] = [
  { size: 1, index: 0, plan: [] },
  { size: 2, index: 0, plan: [[[0, 1]]] },
  { size: 2, index: 1, plan: [[[0, 0]]] },
  { size: 3, index: 1, plan: [[[0, 0]], [[0, 2]]] },
  {
    size: 7,
    index: 0,
    plan: [
      [[0, 1]],
      [[1, 1]],
      [
        [1, 2],
        [0, 6],
      ],
    ],
  },
  {
    size: 7,
    index: 1,
    plan: [
      [[0, 0]],
      [[1, 1]],
      [
        [1, 2],
        [0, 6],
      ],
    ],
  },
  {
    size: 7,
    index: 2,
    plan: [
      [[0, 3]],
      [[1, 0]],
      [
        [1, 2],
        [0, 6],
      ],
    ],
  },
  {
    size: 7,
    index: 3,
    plan: [
      [[0, 2]],
      [[1, 0]],
      [
        [1, 2],
        [0, 6],
      ],
    ],
  },
  { size: 7, index: 4, plan: [[[0, 5]], [[0, 6]], [[2, 0]]] },
  { size: 7, index: 5, plan: [[[0, 4]], [[0, 6]], [[2, 0]]] },
  { size: 7, index: 6, plan: [[[1, 2]], [[2, 0]]] },
  { size: 4, index: 2, plan: [[[0, 3]], [[1, 0]]] },
  { size: 5, index: 3, plan: [[[0, 2]], [[1, 0]], [[0, 4]]] },
  { size: 6, index: 3, plan: [[[0, 2]], [[1, 0]], [[1, 2]]] },
  { size: 6, index: 4, plan: [[[0, 5]], [[2, 0]]] },
  {
    size: 15,
    index: 10,
    plan: [
      [[0, 11]],
      [[1, 4]],
      [
        [1, 6],
        [0, 14],
      ],
      [[3, 0]],
    ],
  },
  {
    size: 31,
    index: 24,
    plan: [
      [[0, 25]],
      [[1, 13]],
      [
        [1, 14],
        [0, 30],
      ],
      [[3, 2]],
      [[4, 0]],
    ],
  },
  {
    size: 95,
    index: 81,
    plan: [
      [[0, 80]],
      [[1, 41]],
      [[2, 21]],
      [
        [2, 22],
        [1, 46],
        [0, 94],
      ],
      [[4, 4]],
      [[6, 0]],
    ],
  },
];

export const CONSISTENCY_PLANS: readonly { size1: number; size2: number; plan: PlanVector }[] = [
  { size1: 1, size2: 2, plan: [[[0, 1]]] },
  { size1: 1, size2: 4, plan: [[[0, 1]], [[1, 1]]] },
  { size1: 1, size2: 6, plan: [[[0, 1]], [[1, 1]], [[1, 2]]] },
  { size1: 2, size2: 3, plan: [[[0, 2]]] },
  { size1: 2, size2: 8, plan: [[[1, 1]], [[2, 1]]] },
  {
    size1: 3,
    size2: 7,
    plan: [
      [[0, 2]],
      [[0, 3]],
      [[1, 0]],
      [
        [1, 2],
        [0, 6],
      ],
    ],
  },
  {
    size1: 4,
    size2: 7,
    plan: [
      [
        [1, 2],
        [0, 6],
      ],
    ],
  },
  { size1: 5, size2: 7, plan: [[[0, 4]], [[0, 5]], [[0, 6]], [[2, 0]]] },
  { size1: 6, size2: 7, plan: [[[1, 2]], [[0, 6]], [[2, 0]]] },
  { size1: 7, size2: 8, plan: [[[0, 6]], [[0, 7]], [[1, 2]], [[2, 0]]] },
  { size1: 1, size2: 1, plan: [] },
  { size1: 2, size2: 2, plan: [] },
  { size1: 3, size2: 3, plan: [] },
  { size1: 4, size2: 4, plan: [] },
  { size1: 5, size2: 5, plan: [] },
  { size1: 7, size2: 7, plan: [] },
  { size1: 8, size2: 8, plan: [] },
  { size1: 2, size2: 4, plan: [[[1, 1]]] },
  { size1: 3, size2: 5, plan: [[[0, 2]], [[0, 3]], [[1, 0]], [[0, 4]]] },
  { size1: 3, size2: 6, plan: [[[0, 2]], [[0, 3]], [[1, 0]], [[1, 2]]] },
  { size1: 4, size2: 6, plan: [[[1, 2]]] },
  {
    size1: 1,
    size2: 7,
    plan: [
      [[0, 1]],
      [[1, 1]],
      [
        [1, 2],
        [0, 6],
      ],
    ],
  },
  {
    size1: 10,
    size2: 15,
    plan: [
      [[1, 4]],
      [[1, 5]],
      [
        [1, 6],
        [0, 14],
      ],
      [[3, 0]],
    ],
  },
  {
    size1: 24,
    size2: 31,
    plan: [
      [[3, 2]],
      [
        [2, 6],
        [1, 14],
        [0, 30],
      ],
      [[4, 0]],
    ],
  },
  {
    size1: 81,
    size2: 95,
    plan: [
      [[0, 80]],
      [[0, 81]],
      [[1, 41]],
      [[2, 21]],
      [
        [2, 22],
        [1, 46],
        [0, 94],
      ],
      [[4, 4]],
      [[6, 0]],
    ],
  },
];

/** Error-path rows from proof_test.go: parameters for which no plan exists. */
export const BAD_INCLUSION_PARAMS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 0],
  [2, 1],
  [3, 0],
  [8, 7],
];
export const BAD_CONSISTENCY_PARAMS: readonly (readonly [number, number])[] = [
  [5, 0],
  [9, 8],
];
