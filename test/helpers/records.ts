/**
 * Schema-valid pipe/1 records for the integration tests' generic appends: the profile's sample
 * bodies (one source of valid bodies, checked against the schemas in profile-pipe's tests) on
 * segments that keep each org's — or each test run's — records apart.
 */
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';

/** A lane number 0–499 for a name: the same name always gets the same lane. */
export function laneOf(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + (c.codePointAt(0) as number)) % 500;
  return h;
}

/** Segment `n` of the lane of `name` (an org, or an org and a branch tag). */
export function laneSegment(name: string, n: number): string {
  return sampleSegment(laneOf(name) * 1_000 + n);
}

/** A construction.joint-made body: joint J01, J02, … for n = 0, 1, … (wrapping after J999). */
export function jointRecord(n: number) {
  return sampleBody('construction.joint-made', n);
}
