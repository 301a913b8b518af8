import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from '../src/shell/route.ts';

describe('hash routes', () => {
  it('reads every page and round-trips', () => {
    for (const hash of ['#/fleet', '#/capacity', '#/changes', '#/pipelines/staging/speech-to-image', '#/models/dev/new', '#/pipelines/dev/new']) {
      expect(routeHash(parseRoute(hash))).toBe(hash);
    }
  });
  it('falls back to the fleet for anything else, never passing a path-like name on', () => {
    expect(parseRoute('#/pipelines/../../etc')).toEqual({ page: 'fleet' });
    expect(parseRoute('#/models/dev/Bad_Name')).toEqual({ page: 'fleet' });
    expect(parseRoute('')).toEqual({ page: 'fleet' });
  });
});
