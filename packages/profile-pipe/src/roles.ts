/**
 * Signing roles and the parties behind them (pipe-lifecycle.md, "Roles"). A role is what an
 * operator certificate grants and what an entry is signed as; the five responsible parties each
 * answer through one lead role.
 */
export const ROLES = {
  OWN: { title: "owner's project lead", party: 'owner' },
  SUR: { title: 'survey lead', party: 'survey' },
  DES: { title: 'design lead / designer', party: 'design' },
  PM: { title: "contractor's project manager", party: 'contractor' },
  TL: { title: "contractor's technical lead", party: 'contractor' },
  QI: { title: "contractor's QC inspector", party: 'contractor' },
  SE: { title: 'specialist supervision engineer', party: 'supervision' },
  CSE: { title: 'chief supervision engineer', party: 'supervision' },
  LAB: { title: 'testing laboratory', party: 'lab' },
  GEO: { title: 'as-built surveyor', party: 'survey' },
  REV: { title: 'drawing-review agency', party: 'review' },
  QSA: { title: 'quality supervision agency (质量监督站)', party: 'qsa' },
  ARC: { title: 'city construction archive', party: 'archive' },
  OPR: { title: 'pipe owner / operator (utility)', party: 'utility' },
  CCTV: { title: 'inspection firm', party: 'inspection' },
} as const;

export type Role = keyof typeof ROLES;
export const ROLE_CODES = Object.keys(ROLES) as Role[];

export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLES, value);
}

/** The five responsible parties (五方责任主体) and the role their lead signs as. */
export const LEAD_ROLES = {
  owner: 'OWN',
  survey: 'SUR',
  design: 'DES',
  contractor: 'PM',
  supervision: 'CSE',
} as const satisfies Record<string, Role>;

export type ResponsibleParty = keyof typeof LEAD_ROLES;
export const RESPONSIBLE_PARTIES = Object.keys(LEAD_ROLES) as ResponsibleParty[];

/** The party whose lead signs as `role`, if `role` is a lead role. */
export function partyOfLeadRole(role: string): ResponsibleParty | undefined {
  return RESPONSIBLE_PARTIES.find((p) => LEAD_ROLES[p] === role);
}

/**
 * Roles held only by a party's lead. DES is not one: it also covers designers, so a designer's
 * signature is not a lead's.
 */
export const LEAD_ONLY_ROLES: readonly Role[] = ['OWN', 'SUR', 'PM', 'CSE'];
