/**
 * The profiles a verifier knows, by the id a genesis names. `pipe/1` comes from
 * @liuhen/profile-pipe through core's generic Profile interface; it is loaded on demand, so a
 * verifier still checks every integrity rule (and says the profile's were not checked) where the
 * profile package is absent.
 */
import type { Profile } from '@liuhen/core';
import { hooksFromProfile, type ProfileHooks } from '@liuhen/trace';

const PACKAGES: Record<string, { readonly specifier: string; readonly exportName: string }> = {
  'pipe/1': { specifier: '@liuhen/profile-pipe', exportName: 'pipeProfile' },
};

export async function profileFor(id: string): Promise<ProfileHooks | undefined> {
  const known = PACKAGES[id];
  if (known === undefined) return undefined;
  try {
    // A variable specifier: the package is optional at build time as well as at run time.
    const specifier: string = known.specifier;
    const module = (await import(specifier)) as Record<string, unknown>;
    const profile = module[known.exportName] as Profile | undefined;
    return profile === undefined || profile.id !== id ? undefined : hooksFromProfile(profile);
  } catch {
    return undefined;
  }
}

export async function knownProfiles(): Promise<ProfileHooks[]> {
  const found = await Promise.all(Object.keys(PACKAGES).map(profileFor));
  return found.filter((p): p is ProfileHooks => p !== undefined);
}
