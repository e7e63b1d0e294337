/**
 * What the page cannot show of an entry, shown as such (DESIGN §11). The page reads through core's
 * `scopedView` as `PAGE_READER` (evidence.ts): no org, no key, `internal` clearance. A sealed
 * section becomes a restricted marker — sealed to which orgs, and why it is not shown — and plain
 * fields above the clearance are named as withheld; nothing is left out as if it did not exist.
 */
import { type CborValue, cborToJson, type EntryView } from '@liuhen/core';
import { type Child, h } from './dom.ts';
import type { Strings } from './i18n.ts';

/** True when the page does not show all of the entry: a sealed section it cannot open, or withheld fields. */
export function isRestricted(view: EntryView | undefined): view is EntryView {
  return view !== undefined && (view.sealed?.restricted === true || view.withheld.length > 0);
}

/** `Restricted: sealed to utility, owner`, or the withheld fields: the marker in words. */
function restrictedLabel(t: Strings, view: EntryView): string {
  const parts: string[] = [];
  if (view.sealed?.restricted === true) parts.push(t.restricted.sealedToOrgs(recipientsText(t, view)));
  if (view.withheld.length > 0) parts.push(t.restricted.withheld(view.withheld.join(', '), view.clearance));
  return t.restricted.marker(parts.join('; '));
}

/** The recipient orgs, each once; an org that holds only a grant's wrap is named so. */
function recipientsText(t: Strings, view: EntryView): string {
  const orgs = new Map<string, boolean>();
  for (const r of view.sealed?.recipients ?? [])
    orgs.set(r.org, (orgs.get(r.org) ?? true) && r.via === 'grant');
  return (
    [...orgs].map(([org, byGrant]) => (byGrant ? `${org} (${t.restricted.viaGrant})` : org)).join(', ') ||
    t.none
  );
}

export function restrictedMark(t: Strings, view: EntryView | undefined): HTMLElement | null {
  return isRestricted(view)
    ? h('span', { class: 'restricted-mark', 'data-restricted': 'true' }, restrictedLabel(t, view))
    : null;
}

/**
 * The sealed section as this page may show it (core's `scopedView`): that it is sealed, to which
 * orgs, and why its fields are not shown — never left out as if the entry had no such fields.
 */
export function sealedPanel(t: Strings, view: EntryView): HTMLElement | null {
  const sealed = view.sealed;
  if (sealed === undefined) return null;
  const row = (label: string, ...value: Child[]) => [h('dt', {}, label), h('dd', {}, ...value)];
  return h(
    'section',
    {
      id: 'sealed-section',
      class: 'sealed-panel',
      'aria-labelledby': 'sealed-title',
      'data-restricted': sealed.restricted ? 'true' : 'false',
    },
    h('h4', { id: 'sealed-title' }, t.restricted.heading),
    sealed.restricted
      ? [
          h('p', { class: 'restricted-mark' }, t.restricted.status),
          h(
            'dl',
            { class: 'facts' },
            row(t.restricted.sealedTo, recipientsText(t, view)),
            row(
              t.restricted.why,
              `${t.restricted.reason[sealed.reason] ?? sealed.reason} (`,
              h('code', {}, sealed.code),
              ')',
              h('br', {}),
              h('span', { class: 'muted' }, sealed.detail),
            ),
            sealed.ciphertext === undefined
              ? null
              : row(t.restricted.ciphertextLabel, t.restricted.ciphertext(sealed.ciphertext.length)),
          ),
        ]
      : [
          h('dl', { class: 'facts' }, row(t.restricted.sealedTo, recipientsText(t, view))),
          h('pre', { class: 'json' }, JSON.stringify(cborToJson(sealed.fields as CborValue), null, 2)),
        ],
  );
}

/** The plain fields above the view's clearance, by name; null when there are none. */
export function withheldNote(t: Strings, view: EntryView): HTMLElement | null {
  return view.withheld.length === 0
    ? null
    : h(
        'p',
        { class: 'restricted-mark' },
        t.restricted.marker(t.restricted.withheld(view.withheld.join(', '), view.clearance)),
      );
}
