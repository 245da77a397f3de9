import { describeFailure } from './describe-failure';
import { InvalidError, NotFoundError, QuotaExceededError } from './domain-errors';

describe('describeFailure', () => {
  it('puts a domain error kind (and its subject or reason) before its message', () => {
    expect(describeFailure(new NotFoundError('registry', 'registry 3 not found'))).toBe('not-found (registry): registry 3 not found');
    expect(describeFailure(new InvalidError('digest', 'invalid digest'))).toBe('invalid (digest): invalid digest');
    expect(describeFailure(new QuotaExceededError('quota exceeded'))).toBe('quota-exceeded: quota exceeded');
  });

  it('leaves any other failure as its message', () => {
    expect(describeFailure(new TypeError('x is undefined'))).toBe('x is undefined');
    expect(describeFailure('plain')).toBe('plain');
  });

  it('names the class, so a failure shared between replicas keeps its kind', () => {
    expect(new QuotaExceededError('q').name).toBe('QuotaExceededError');
  });
});
