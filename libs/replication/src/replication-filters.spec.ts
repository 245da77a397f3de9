import { InvalidError } from '@wharf/errors';
import { applyFilters, destinationRepository, matchesPattern, maxReplaceCount, normaliseFilters, repositoryPasses, type FilterCandidate } from './replication-filters';

const image = (repository: string, tags: string[], labels: string[] | null = []): FilterCandidate => ({ repository, tags, labels, isImage: true });

describe('destination namespace rewriting (Harbor replaceNamespace)', () => {
  it.each([
    [-1, 'n/image'],
    [0, 'n/a/b/c/image'],
    [1, 'n/b/c/image'],
    [2, 'n/c/image'],
    [3, 'n/image'],
  ])('a/b/c/image under n with count %i -> %s', (count, expected) => {
    expect(destinationRepository('a/b/c/image', 'n', count)).toBe(expected);
  });

  it('refuses a count beyond the leading segments, naming them', () => {
    expect(() => destinationRepository('a/b/c/image', 'n', 4)).toThrow(InvalidError);
    expect(() => destinationRepository('library/hello', 'n', 2)).toThrow('has only 1 path segment(s) before its name');
  });

  it('keeps the path when there is no namespace, whatever the count', () => {
    expect(destinationRepository('library/hello', '', -1)).toBe('library/hello');
    expect(destinationRepository('library/hello', '', 5)).toBe('library/hello');
  });

  it('takes a namespace of several segments', () => {
    expect(destinationRepository('library/team/hello', 'mirror/eu', 1)).toBe('mirror/eu/team/hello');
  });
});

describe('how far a replace count can go, known at save time', () => {
  it('is the leading segments of a matches name filter without **', () => {
    expect(maxReplaceCount(normaliseFilters([{ type: 'name', value: 'library/*' }]))).toBe(1);
    expect(maxReplaceCount(normaliseFilters([{ type: 'name', value: 'a/b/{x,y}' }]))).toBe(2);
  });

  it('is unknown for **, a slash inside braces, an excludes filter or no name filter', () => {
    expect(maxReplaceCount(normaliseFilters([{ type: 'name', value: 'library/**' }]))).toBeNull();
    expect(maxReplaceCount(normaliseFilters([{ type: 'name', value: '{a/b,c}/x' }]))).toBeNull();
    expect(maxReplaceCount(normaliseFilters([{ type: 'name', value: 'a/b', decoration: 'excludes' }]))).toBeNull();
    expect(maxReplaceCount(normaliseFilters([{ type: 'tag', value: 'v1' }]))).toBeNull();
  });
});

describe('doublestar patterns', () => {
  it.each([
    ['library/*', 'library/hello', true],
    ['library/*', 'library/team/hello', false],
    ['library/**', 'library/team/hello', true],
    ['**', 'a/b/c', true],
    ['{library,team}/h?llo', 'team/hallo', true],
    ['v[0-9]*', 'v1.2', true],
    ['v[0-9]*', 'latest', false],
    ['', 'anything/at/all', true],
    ['*.sig', 'sha256-abc.sig', true],
  ])('%s on %s: %s', (pattern, value, expected) => {
    expect(matchesPattern(pattern, value)).toBe(expected);
  });

  it('takes an untagged artifact only with a pattern of stars', () => {
    expect(matchesPattern('**', '')).toBe(true);
    expect(matchesPattern('*', '')).toBe(true);
    expect(matchesPattern('v*', '')).toBe(false);
  });
});

describe('filters', () => {
  it('a tag filter keeps only the matching tags', () => {
    const verdict = applyFilters(normaliseFilters([{ type: 'tag', value: 'v*' }]), image('library/hello', ['v1', 'latest', 'v2']));
    expect(verdict).toEqual({ pass: true, tags: ['v1', 'v2'] });
  });

  it('excludes turns a filter round, and says why it refused', () => {
    const filters = normaliseFilters([{ type: 'tag', value: 'latest', decoration: 'excludes' }]);
    expect(applyFilters(filters, image('library/hello', ['latest', 'v1']))).toEqual({ pass: true, tags: ['v1'] });
    const refused = applyFilters(filters, image('library/hello', ['latest']));
    expect(refused).toEqual({ pass: false, reason: 'no tag of it (latest) passes the tag filter excludes "latest"' });
  });

  it('name filters match the whole repository path, with decoration', () => {
    expect(applyFilters(normaliseFilters([{ type: 'name', value: 'library/**' }]), image('library/a/b', [])).pass).toBe(true);
    const excluded = applyFilters(normaliseFilters([{ type: 'name', value: 'library/**', decoration: 'excludes' }]), image('library/a', []));
    expect(excluded).toEqual({ pass: false, reason: 'repository library/a matches the name filter excludes "library/**"' });
    expect(repositoryPasses(normaliseFilters([{ type: 'name', value: 'other/*' }]), 'library/a')).toBe(false);
  });

  it('a label filter needs every label (matches) or refuses an artifact with all of them (excludes)', () => {
    const matches = normaliseFilters([{ type: 'label', value: ['prod', 'eu'] }]);
    expect(applyFilters(matches, image('p/a', ['v1'], ['eu', 'prod', 'x'])).pass).toBe(true);
    expect(applyFilters(matches, image('p/a', ['v1'], ['prod']))).toEqual({ pass: false, reason: 'it lacks label(s) eu the label filter asks for' });
    const excludes = normaliseFilters([{ type: 'label', value: ['prod'], decoration: 'excludes' }]);
    expect(applyFilters(excludes, image('p/a', ['v1'], ['prod'])).pass).toBe(false);
    expect(applyFilters(excludes, image('p/a', ['v1'], [])).pass).toBe(true);
    expect(applyFilters(matches, image('p/a', ['v1'], null)).pass).toBe(false);
  });

  it('a resource filter of image leaves other artifacts out; artifact takes all', () => {
    const chart = { repository: 'p/chart', tags: ['1.0'], labels: [], isImage: false };
    expect(applyFilters(normaliseFilters([{ type: 'resource', value: 'image' }]), chart)).toEqual({ pass: false, reason: 'it is not an image and the resource filter asks for images' });
    expect(applyFilters(normaliseFilters([{ type: 'resource', value: 'artifact' }]), chart).pass).toBe(true);
  });

  it('all filters must pass', () => {
    const filters = normaliseFilters([{ type: 'name', value: 'library/*' }, { type: 'tag', value: 'v1' }]);
    expect(applyFilters(filters, image('library/a', ['v1'])).pass).toBe(true);
    expect(applyFilters(filters, image('library/a', ['v2'])).pass).toBe(false);
    expect(applyFilters(filters, image('other/a', ['v1'])).pass).toBe(false);
  });

  it.each([
    [{ type: 'bogus', value: 'x' }, 'invalid filter type bogus'],
    [{ type: 'name', value: 3 }, 'the value of a name filter is a string'],
    [{ type: 'label', value: 'prod' }, 'the value of a label filter is a list of label names'],
    [{ type: 'resource', value: 'chart' }, 'invalid resource filter chart'],
    [{ type: 'resource', value: 'image', decoration: 'matches' }, 'a resource filter takes no decoration'],
    [{ type: 'tag', value: 'v1', decoration: 'maybe' }, 'invalid filter decoration maybe'],
  ])('refuses %j', (filter, message) => {
    expect(() => normaliseFilters([filter])).toThrow(message);
  });
});
