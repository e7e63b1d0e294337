/**
 * The demo's project: a generated pipe project (the scenario generator of profile pipe/1) turned
 * into the entries the six departments' business systems record on the demo network.
 *
 * The generator signs for its own cast of twelve organisations and its own genesis. Here every
 * entry is built again for the demo network: the same kind, object, claimed time, body,
 * attachments and classification, signed by the same person's key as appointed on the department
 * that employs them (six departments stand for the generator's twelve organisations; see
 * DEPARTMENTS), with parents and references pointing at the rebuilt entries. On top of the
 * generator's planted violation (the incident preset), two things only a live network shows:
 *
 * - the incident segment's pressure test is recorded 26 h after it was made (补录): the business
 *   system posts it late, so entries recorded meanwhile do not descend from it, and the
 *   supervision engineer countersigns it when it appears;
 * - every field profile pipe/1 classifies restricted (design inverts, setting-out control points,
 *   as-built coordinates and accuracies, patrol GPS tracks) is sealed, encrypted to the water
 *   utility's X25519 key published through governance: the other departments store and verify
 *   only ciphertext, and the objects can be exported as open data.
 */
import {
  buildEntry,
  type CborMap,
  type CborValue,
  type EntryRef,
  sealContext,
  sealFields,
  signEntry,
  splitRestricted,
  toHex,
} from '@liuhen/core';
import { KIND_DESCRIPTORS } from '@liuhen/profile-pipe';
import { type Scenario, unsealedEntries } from '@liuhen/profile-pipe/scenario';

export interface Department {
  readonly id: string;
  /** What the demo calls it. */
  readonly label: string;
  readonly parties: readonly string[];
  /** The generator's organisations whose people this department employs. */
  readonly cast: readonly string[];
}

/**
 * The six departments. The generator's other organisations are folded into the department that
 * would plausibly employ their signers in a small district project: the survey team sits in the
 * design institute (勘察设计院), the owner's project lead in the water utility that owns the
 * pipes, the CCTV inspectors in the testing lab, the repair crew in the contractor, and the
 * drawing reviewer and the city archive's clerks sign on the quality supervision station's node.
 * Each department's genesis party roles cover the roles its people sign as.
 */
export const DEPARTMENTS: readonly Department[] = [
  { id: 'design', label: 'design institute', parties: ['design', 'survey'], cast: ['design', 'survey'] },
  { id: 'contractor', label: 'contractor', parties: ['contractor'], cast: ['contractor', 'repair'] },
  { id: 'supervision', label: 'supervision firm', parties: ['supervision'], cast: ['supervision'] },
  { id: 'lab', label: 'testing lab', parties: ['lab', 'inspection'], cast: ['lab', 'cctv'] },
  { id: 'utility', label: 'water utility', parties: ['utility', 'owner'], cast: ['utility', 'owner'] },
  {
    id: 'qsa',
    label: 'quality supervision station',
    parties: ['qsa', 'review', 'archive'],
    cast: ['qsa', 'review', 'archive'],
  },
];

export function departmentOf(castOrg: string): Department {
  const dept = DEPARTMENTS.find((d) => d.cast.includes(castOrg));
  if (dept === undefined) throw new Error(`no department employs the generator's ${castOrg}`);
  return dept;
}

/** How long after the act the incident segment's pressure test is recorded. */
export const LATE_BY_MS = 26 * 3_600_000;

export interface DemoEntry {
  readonly id: string;
  /** The department whose node records it. */
  readonly org: string;
  readonly object: string;
  readonly kind: string;
  readonly role: string;
  /** Claimed time. */
  readonly time: number;
  /** When the business system records it (network time). */
  readonly postAt: number;
  readonly envelope: Uint8Array;
  /** Entries (ids) the recording node must hold first: parents and cited entries. */
  readonly deps: readonly string[];
  readonly signer: string;
  /** SHA-256 (hex) of each attachment, uploaded to the recording node first. */
  readonly attachments: readonly string[];
  readonly late?: boolean;
  readonly sealed?: boolean;
}

export interface Signer {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly seed: Uint8Array;
}

export interface DemoProject {
  /** In the order they are recorded. */
  readonly entries: readonly DemoEntry[];
  readonly byId: ReadonlyMap<string, DemoEntry>;
  readonly segments: readonly string[];
  /** The incident preset's segment. */
  readonly incident: string;
  /** The generator's expected findings, on the rebuilt entries. */
  readonly expected: readonly { code: string; entry: string; object: string; why: string }[];
  readonly lateTest: DemoEntry;
  /** The incident segment's sealed as-built survey, and its restricted fields in clear. */
  readonly sealedAsBuilt: DemoEntry;
  readonly asBuiltPlain: CborMap;
}

const hexOf = (bytes: Uint8Array) => toHex(bytes);

/** The top-level fields of a kind that profile pipe/1 classifies restricted. */
function restrictedFieldsOf(kind: string): Set<string> {
  const descriptor = KIND_DESCRIPTORS.find((k) => k.kind === kind);
  return new Set(
    (descriptor?.fields ?? [])
      .filter((f) => f.classification === 'restricted')
      // A field is restricted if any part of it is (`points[].xM` makes `points` restricted).
      .map((f) => /^[^.[]+/.exec(f.path)?.[0] ?? f.path),
  );
}

/** A body with every string naming a generator entry id replaced by the rebuilt entry's id. */
function remapBody(value: CborValue, ids: ReadonlyMap<string, string>): CborValue {
  if (typeof value === 'string') return ids.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => remapBody(v, ids));
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: CborMap = {};
    for (const [k, v] of Object.entries(value as CborMap)) out[k] = remapBody(v, ids);
    return out;
  }
  return value;
}

export function buildProject(
  scenario: Scenario,
  network: Uint8Array,
  signers: ReadonlyMap<string, Signer>,
  utilityKey: { org: string; publicKey: Uint8Array },
): DemoProject {
  const source = scenario.entries;
  // The generator seals restricted fields to its own cast's keys; the demo's departments seal
  // them again to theirs, so it starts from the bodies as the generator's owner reads them.
  const bodies = unsealedEntries(scenario).map(
    (e): CborMap => (e.unsealed === undefined ? e.entry.body : { ...e.entry.body, ...e.unsealed }),
  );
  const index = new Map(source.map((e, i) => [hexOf(e.id), i]));
  const incident = scenario.expected[0]?.object ?? (scenario.segments[0] as string);

  // Which entries take the object's heads as parents (most), and which name their own (an
  // attestation made concurrently with what followed its target): replayed in the generator's order.
  const heads = new Map<string, string[]>();
  const takesHeads = source.map((e) => {
    const own = heads.get(e.entry.object) ?? [];
    const parents = e.entry.parents.map(hexOf);
    const same = parents.length === own.length && parents.every((p) => own.includes(p));
    const cited = new Set(parents);
    heads.set(e.entry.object, [...own.filter((h) => !cited.has(h)), hexOf(e.id)]);
    return same;
  });

  // The late pressure test, and the supervision engineer's countersignature of it.
  const testAt = source.findIndex((e) => e.entry.object === incident && e.entry.kind === 'test.pressure');
  if (testAt < 0) throw new Error(`the incident segment ${incident} has no pressure test`);
  const test = source[testAt] as (typeof source)[number];
  const testId = hexOf(test.id);
  const attestAt = source.findIndex(
    (e) => e.entry.kind === 'attest' && e.entry.refs.some((r) => 'entry' in r && hexOf(r.entry) === testId),
  );
  const postAt = source.map((e) => e.entry.time);
  const claimed = source.map((e) => e.entry.time);
  postAt[testAt] = test.entry.time + LATE_BY_MS;
  if (attestAt >= 0) {
    claimed[attestAt] = (postAt[testAt] as number) + 20 * 60_000;
    postAt[attestAt] = claimed[attestAt] as number;
  }

  // A dependency recorded later than its dependant (the late test, its countersignature) is
  // replaced by what it rests on: that is what the business system saw when it recorded.
  const settled = (i: number, before: number, out: Set<number>) => {
    for (const p of source[i]?.entry.parents ?? []) {
      const j = index.get(hexOf(p)) as number;
      if ((postAt[j] as number) <= before) out.add(j);
      else settled(j, before, out);
    }
  };
  const depsOf = source.map((e, i) => {
    const out = new Set<number>();
    settled(i, postAt[i] as number, out);
    for (const r of e.entry.refs) if ('entry' in r) out.add(index.get(hexOf(r.entry)) as number);
    return out;
  });

  // Recording order: by recording time (then the generator's order), never before a dependency.
  const waiting = source.map((_, i) => depsOf[i]?.size ?? 0);
  const dependants = source.map(() => [] as number[]);
  depsOf.forEach((deps, i) => {
    for (const d of deps) dependants[d]?.push(i);
  });
  const ready: number[] = [];
  const push = (i: number) => {
    ready.push(i);
    ready.sort((a, b) => (postAt[a] as number) - (postAt[b] as number) || a - b);
  };
  source.forEach((_, i) => {
    if (waiting[i] === 0) push(i);
  });
  const order: number[] = [];
  while (ready.length > 0) {
    const i = ready.shift() as number;
    order.push(i);
    for (const j of dependants[i] ?? []) {
      waiting[j] = (waiting[j] as number) - 1;
      if (waiting[j] === 0) push(j);
    }
  }
  if (order.length !== source.length) throw new Error('the project has a dependency cycle');

  const restrictedKinds = new Map<string, Set<string>>();
  const restrictedOf = (kind: string) => {
    let fields = restrictedKinds.get(kind);
    if (fields === undefined) {
      fields = restrictedFieldsOf(kind);
      restrictedKinds.set(kind, fields);
    }
    return fields;
  };
  const ids = new Map<string, string>();
  const actualHeads = new Map<string, string[]>();
  const built: DemoEntry[] = [];
  let sealedAsBuilt: DemoEntry | undefined;
  let asBuiltPlain: CborMap | undefined;
  let lateTest: DemoEntry | undefined;
  for (const i of order) {
    const e = source[i] as (typeof source)[number];
    const person = signers.get(hexOf(e.entry.signer));
    if (person === undefined) throw new Error(`no appointed signer for ${hexOf(e.entry.signer)}`);
    const org = departmentOf(e.entry.org).id;
    const object = e.entry.object;
    let parents: string[];
    // A late record cites what it rests on, as of when the work was done, not what was recorded
    // since (that would make it claim an earlier time than its parents).
    if (takesHeads[i] && i !== testAt) parents = actualHeads.get(object) ?? [];
    else {
      const deps = new Set<number>();
      settled(i, postAt[i] as number, deps);
      parents = [...deps].map((j) => ids.get(hexOf(source[j]?.id as Uint8Array)) as string);
    }
    const refs: EntryRef[] = e.entry.refs.map((r) =>
      'entry' in r ? { ...r, entry: fromHexId(ids.get(hexOf(r.entry)) as string) } : r,
    );
    let body = remapBody(bodies[i] as CborMap, ids) as CborMap;
    const draft = {
      network,
      org,
      object,
      kind: e.entry.kind,
      time: claimed[i] as number,
      signer: person.publicKey,
      role: e.entry.role,
      parents: parents.map(fromHexId),
      refs,
      attachments: e.entry.attachments,
      classification: e.entry.classification,
    };
    let sealed: CborMap | undefined;
    const restricted = restrictedOf(e.entry.kind);
    if (restricted.size > 0) {
      const split = splitRestricted(body, (f) => restricted.has(f));
      if (split.restricted !== undefined) {
        body = split.body;
        sealed = sealFields(split.restricted, [utilityKey], sealContext(draft));
        if (object === incident && e.entry.kind === 'survey.as-built') asBuiltPlain = split.restricted;
      }
    }
    const signed = signEntry(
      buildEntry({
        ...draft,
        body,
        ...(sealed === undefined ? {} : { sealed, classification: 'restricted' }),
      }),
      person.seed,
    );
    const id = hexOf(signed.id);
    ids.set(hexOf(e.id), id);
    const cited = new Set(parents);
    actualHeads.set(object, [...(actualHeads.get(object) ?? []).filter((h) => !cited.has(h)), id]);
    const entry: DemoEntry = {
      id,
      org,
      object,
      kind: e.entry.kind,
      role: e.entry.role,
      time: claimed[i] as number,
      postAt: postAt[i] as number,
      envelope: signed.envelope,
      deps: [...new Set([...parents, ...refs.flatMap((r) => ('entry' in r ? [hexOf(r.entry)] : []))])],
      signer: person.name,
      attachments: e.entry.attachments.map((a) => hexOf(a.sha256)),
      ...(i === testAt ? { late: true } : {}),
      ...(sealed === undefined ? {} : { sealed: true }),
    };
    if (i === testAt) lateTest = entry;
    if (sealed !== undefined && object === incident && e.entry.kind === 'survey.as-built')
      sealedAsBuilt = entry;
    built.push(entry);
  }
  if (lateTest === undefined || sealedAsBuilt === undefined || asBuiltPlain === undefined)
    throw new Error('the incident segment lacks its pressure test or its as-built survey');
  return {
    entries: built,
    byId: new Map(built.map((e) => [e.id, e])),
    segments: scenario.segments,
    incident,
    expected: scenario.expected.map((x) => ({ ...x, entry: ids.get(x.entry) ?? x.entry })),
    lateTest,
    sealedAsBuilt,
    asBuiltPlain,
  };
}

function fromHexId(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
