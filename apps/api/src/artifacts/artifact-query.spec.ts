import { ApiError } from '../management/api-error';
import { artifactFilter } from './artifact-query';

describe('artifactFilter', () => {
  it('reads tags, type, digest, media type and time ranges', () => {
    expect(artifactFilter('tags=v1')).toEqual({ tags: { value: 'v1', fuzzy: false } });
    expect(artifactFilter('tags=~v')).toEqual({ tags: { value: 'v', fuzzy: true } });
    expect(artifactFilter('tags=nil')).toEqual({ tags: 'untagged' });
    expect(artifactFilter('tags=*')).toEqual({ tags: 'tagged' });
    expect(artifactFilter('type=CHART,digest=sha256:ab,media_type=application/x')).toEqual({ type: 'CHART', digest: 'sha256:ab', mediaType: 'application/x' });
    expect(artifactFilter('push_time=[2024-01-01T00:00:00Z~2024-02-01T00:00:00Z]')).toEqual({
      pushTime: { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-02-01T00:00:00Z') },
    });
    expect(artifactFilter('pull_time=[~2024-02-01 00:00:00]').pullTime?.from).toBeUndefined();
    expect(artifactFilter('label=7')).toEqual({ labels: [7] });
    expect(artifactFilter('tags=*,label=12')).toEqual({ tags: 'tagged', labels: [12] });
  });

  it.each([
    ['colour=red', /colour/],
    ['push_time=yesterday', /push_time/],
    ['push_time=[nope~2024-01-01]', /push_time/],
    ['pull_time=[~]', /pull_time/],
    ['push_time=[2024-02-01~2024-01-01]', /push_time/],
    ['type=~IM', /type/],
    ['label=abc', /label/],
    ['label=', /label/],
    ['label=0', /label/],
    ['label=-3', /label/],
    ['label=~4', /label/],
    ['label=[1~2]', /label/],
    ['labels=1', /labels/],
  ])('refuses %s with a 400 naming the key', (q, message) => {
    let error: unknown;
    try {
      artifactFilter(q);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toMatch(message);
  });
});
