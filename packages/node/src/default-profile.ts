/**
 * The role table the node applies until the pipe profile package exists: which operator roles
 * may sign which entry kind, from the "signers" column of shared/domain/pipe-lifecycle.md.
 * Cosigners listed there with "+" sign their own `attest` entries, which any appointed role may.
 */
export interface RolePolicy {
  readonly id: string;
  isKnownKind(kind: string): boolean;
  mayRoleSign(kind: string, role: string): boolean;
}

const ALL_ROLES = [
  'OWN',
  'SUR',
  'DES',
  'PM',
  'TL',
  'QI',
  'SE',
  'CSE',
  'LAB',
  'GEO',
  'REV',
  'QSA',
  'ARC',
  'OPR',
  'CCTV',
];

const SIGNERS: Record<string, readonly string[]> = {
  'project.registered': ['OWN'],
  'party.lead-appointed': ['OWN', 'SUR', 'DES', 'PM', 'CSE'],
  'survey.geotech-report': ['SUR'],
  'design.issued': ['DES'],
  'design.revised': ['DES'],
  'design.review-passed': ['REV'],
  'design.disclosure': ['OWN'],
  'material.batch-accepted': ['SE'],
  'material.sample-tested': ['LAB'],
  'construction.setting-out': ['PM'],
  'construction.started': ['CSE'],
  'construction.trench-excavated': ['QI'],
  'inspection.trench-bottom': ['OWN', 'SE'],
  'construction.bedding': ['QI'],
  'construction.pipe-laid': ['QI'],
  'construction.joint-made': ['QI'],
  'construction.manhole-built': ['QI'],
  'inspection.hidden-works-selfcheck': ['QI'],
  'inspection.hidden-works-accepted': ['SE'],
  'test.pressure': ['PM'],
  'test.closed-water': ['PM'],
  'construction.backfill-layer': ['QI'],
  'survey.as-built': ['GEO'],
  'commissioning.flush-disinfect': ['PM'],
  'inspection.handover-cctv': ['CCTV'],
  'acceptance.lot': ['SE'],
  'acceptance.subitem': ['SE'],
  'acceptance.subdivision': ['CSE'],
  'acceptance.pre-acceptance': ['CSE'],
  'acceptance.party-report': ['SUR', 'DES', 'PM'],
  'archive.pre-accepted': ['ARC'],
  'acceptance.completion': ['OWN'],
  'acceptance.filed': ['OWN'],
  'acceptance.sign-installed': ['OWN'],
  'archive.transferred': ['OWN'],
  'handover.to-operator': ['OWN'],
  'om.patrol': ['OPR'],
  'om.cleaning': ['OPR'],
  'om.condition-assessment': ['CCTV'],
  'om.repair': ['OPR'],
  'om.rehabilitation': ['OPR'],
  'om.incident': ['OPR', 'QSA'],
  'lifecycle.decommissioned': ['OPR'],
  'object.alias': ALL_ROLES,
  attest: ALL_ROLES,
};

export const defaultRolePolicy: RolePolicy = {
  id: 'default/0',
  // org.* kinds (operator certificates) are decided by the governance rules, not by this table.
  isKnownKind: (kind) => kind in SIGNERS || kind.startsWith('org.'),
  mayRoleSign: (kind, role) => kind.startsWith('org.') || (SIGNERS[kind]?.includes(role) ?? false),
};
