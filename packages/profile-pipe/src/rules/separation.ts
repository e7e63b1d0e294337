/**
 * P-SEPARATION: the person accepting hidden works is not the one who self-checked them, and
 * every signer holds the role they sign as at that time (operator identities required).
 */
import { toHex } from '@liuhen/core';
import { personOf, samePerson } from '../operators.ts';
import { overlaps, short } from './helpers.ts';
import type { Rule } from './types.ts';

export const separation: Rule = {
  code: 'P-SEPARATION',
  title: 'Separation of duties and roles held',
  severity: 'warning',
  standard: 'GB 50300-2013',
  clause: '§6.0.1 (lots accepted by the supervision engineer after the contractor’s own check)',
  explanation:
    'The person signing inspection.hidden-works-accepted differs from everyone who signed the self-check; every signer holds, at that time, the role they sign as.',
  onAppend: 'flag',
  onAppendReason:
    'Good practice; whether a role is held is already enforced on append by the governance authority check, and a conflict of duties is evidence to keep.',
  deadline: false,
  reads: {
    'inspection.hidden-works-accepted': ['chainage'],
    'inspection.hidden-works-selfcheck': ['chainage'],
  },
  check: ({ trace, operators }, node) => {
    const problems: string[] = [];
    const related = [];
    const body = trace.body(node, 'inspection.hidden-works-accepted');
    if (body !== undefined) {
      const signer = personOf(operators, node.entry);
      const checks = trace.ancestors(
        node,
        'inspection.hidden-works-selfcheck',
        (s, b) => s.entry.object === node.entry.object && overlaps(b.chainage, body.chainage),
      );
      for (const check of checks) {
        const same = [check, ...trace.attestsOf(check)].find((s) =>
          samePerson(personOf(operators, s.entry), signer),
        );
        if (same !== undefined) {
          problems.push(
            `the acceptance is signed by the same person who signed the self-check ${short(check)} as ${same.entry.role}`,
          );
          related.push(check);
        }
      }
    }
    if (operators.known) {
      const key = toHex(node.entry.signer);
      const identity = operators.at(node.entry.org, key, node.entry.time);
      if (identity === undefined) {
        problems.push(
          `the signer ${key.slice(0, 12)} holds no appointment of ${node.entry.org} at that time`,
        );
      } else if (!identity.roles.includes(node.entry.role)) {
        problems.push(`${identity.name} signs as ${node.entry.role} but holds ${identity.roles.join(', ')}`);
      }
    }
    if (problems.length === 0) return undefined;
    return { message: problems.join('; '), related };
  },
};
