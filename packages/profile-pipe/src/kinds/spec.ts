/**
 * How a kind is defined: where it may be recorded, who signs it, who must cosign, what it cites
 * and what its body holds. `defineKind` keeps the literal shape so each body has a precise type.
 */
import { z } from 'zod';
import type { ObjectType } from '../ids.ts';
import type { Role } from '../roles.ts';

export const STAGES = ['preparation', 'materials-start', 'construction', 'acceptance', 'operation'] as const;
export type Stage = (typeof STAGES)[number];

/** A citation the kind makes: `refs` entries with this `rel`. */
export interface RefSpec {
  readonly rel: string;
  /** `entry`: an entry id; `object`: an object id. */
  readonly to: 'entry' | 'object';
  /** For entry refs, the kinds it may cite; for object refs, the object types. */
  readonly targets: readonly string[];
  readonly min: number;
  readonly max: number;
  /** The cited entry must be on the same object. */
  readonly sameObject?: boolean;
  readonly description: string;
}

export type Issue = (path: readonly (string | number)[], message: string) => void;

export interface KindInput<S extends z.ZodRawShape> {
  readonly kind: string;
  /** `any`: the stage of what the entry concerns (attestations, aliases). */
  readonly stage: Stage | 'any';
  readonly summary: string;
  readonly objects: readonly ObjectType[];
  /** Roles that may sign the entry itself; `any` for every role. */
  readonly signers: readonly Role[] | 'any';
  /** Roles that must all have signed, the signer's own role included; the others attest. */
  readonly cosigners?: readonly Role[];
  /** Roles that may attest as witnesses ("(+X)" in the domain tables). */
  readonly witnesses?: readonly Role[];
  readonly attachments: string;
  readonly refs?: readonly RefSpec[];
  readonly shape: S;
  /**
   * Cross-field checks. Restricted fields may be absent when the entry is sealed, so refinements
   * must tolerate their absence.
   */
  readonly refine?: (body: z.output<z.ZodObject<S>>, issue: Issue) => void;
}

export interface KindSpec<S extends z.ZodRawShape = z.ZodRawShape> extends KindInput<S> {
  readonly cosigners: readonly Role[];
  readonly witnesses: readonly Role[];
  readonly refs: readonly RefSpec[];
}

export function defineKind<const K extends string, const S extends z.ZodRawShape>(
  input: KindInput<S> & { readonly kind: K },
): KindSpec<S> & { readonly kind: K } {
  return { cosigners: [], witnesses: [], refs: [], ...input };
}

export function entryRef(
  rel: string,
  targets: readonly string[],
  min: number,
  max: number,
  description: string,
  sameObject = false,
): RefSpec {
  return { rel, to: 'entry', targets, min, max, sameObject, description };
}

export function objectRef(
  rel: string,
  types: readonly ObjectType[],
  min: number,
  max: number,
  description: string,
) {
  return { rel, to: 'object', targets: types, min, max, description } satisfies RefSpec;
}

export { z };
