import { AttemptFailed, describeJobFailure } from './attempt-failed';

describe('describeJobFailure', () => {
  it('warns about an attempt that failed outside Wharf, and reports anything else as an error', () => {
    expect(describeJobFailure('webhook-delivery', '7', new AttemptFailed('POST https://hooks.example -> 503'))).toEqual({
      level: 'warn',
      message: 'webhook-delivery 7 failed: POST https://hooks.example -> 503',
    });
    expect(describeJobFailure('garbage-collection', '8', new TypeError('x is undefined')).level).toBe('error');
  });
});
