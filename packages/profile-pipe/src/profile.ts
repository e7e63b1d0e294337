/** `pipe/1` as a generic `Profile`: what the node, the inspector and replay call. */
import type { AppendInput, CborMap, Profile } from '@liuhen/core';
import { ORG_KIND_PREFIX } from '@liuhen/governance';
import { accountability } from './accountability.ts';
import { appendIndex } from './append-index.ts';
import { checkBody } from './body.ts';
import { KIND_DESCRIPTORS, OBJECT_TYPE_DESCRIPTORS, RULE_DESCRIPTORS } from './describe.ts';
import { checkAppend, evaluate } from './evaluate.ts';
import { objectTypeOf } from './ids.ts';
import { kindSpec } from './kinds/index.ts';
import { initialState, reduce } from './state/reduce.ts';
import type { PipeObjectState } from './state/types.ts';
import { mayRoleSign } from './structure.ts';

export const PROFILE_ID = 'pipe/1';

/** Org acts (operator certificates) belong to governance; the profile lets them through. */
const isGovernanceKind = (kind: string) => kind.startsWith(ORG_KIND_PREFIX);

export const pipeProfile: Profile<PipeObjectState> = {
  id: PROFILE_ID,
  objectTypes: OBJECT_TYPE_DESCRIPTORS,
  kinds: KIND_DESCRIPTORS,
  rules: RULE_DESCRIPTORS,
  isKnownKind: (kind) => isGovernanceKind(kind) || kindSpec(kind) !== undefined,
  objectTypeOf,
  checkBody: (kind: string, body: CborMap, options?: { readonly sealed?: boolean }) =>
    isGovernanceKind(kind) ? { ok: true } : checkBody(kind, body, options),
  mayRoleSign: (kind, role) => {
    if (isGovernanceKind(kind)) return true;
    const spec = kindSpec(kind);
    return spec !== undefined && mayRoleSign(spec, role);
  },
  requiredCosigners: (kind, role) => (kindSpec(kind)?.cosigners ?? []).filter((r) => r !== role),
  // The node keeps an incremental index per object; the inspector calls the pure function.
  checkAppend: Object.assign((input: AppendInput) => checkAppend(input), { index: appendIndex }),
  evaluate,
  initialState,
  reduce,
  accountability,
};
