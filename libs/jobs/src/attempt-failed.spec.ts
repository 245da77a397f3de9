import { UnavailableError } from '@wharf/errors';
import { AttemptFailed, describeJobFailure } from './attempt-failed';

describe('describeJobFailure', () => {
  it('warns about an attempt that failed outside Wharf, and reports anything else as an error', () => {
    expect(describeJobFailure('webhook-delivery', '7', new AttemptFailed('POST https://hooks.example -> 503'))).toEqual({
      level: 'warn',
      message: 'webhook-delivery 7 failed: POST https://hooks.example -> 503',
    });
    expect(describeJobFailure('garbage-collection', '8', new TypeError('x is undefined')).level).toBe('error');
  });

  it('names a domain error by its kind, as a warning', () => {
    expect(describeJobFailure('garbage-collection', '9', new UnavailableError('blob is being garbage collected; retry shortly'))).toEqual({
      level: 'warn',
      message: 'garbage-collection 9 failed: unavailable (transient): blob is being garbage collected; retry shortly',
    });
  });
});
