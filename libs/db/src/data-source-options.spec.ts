import { withSessionSettings } from './data-source-options';

describe('withSessionSettings', () => {
  it('leaves a URL without options as it is and turns JIT off', () => {
    const url = 'postgres://wharf:p%40ss@db.example:5432/wharf?sslmode=require';
    expect(withSessionSettings(url)).toEqual({ url, options: '-c jit=off' });
  });

  it("moves the URL's own options out of it, ahead of ours, so pg sends both", () => {
    const { url, options } = withSessionSettings('postgres://wharf@db.example/wharf?options=-c%20search_path%3Dregistry&sslmode=require');
    expect(new URL(url).searchParams.get('options')).toBeNull();
    expect(new URL(url).searchParams.get('sslmode')).toBe('require');
    expect(options).toBe('-c search_path=registry -c jit=off');
  });

  it('passes a connection string that is not a URL through', () => {
    expect(withSessionSettings('host=/var/run/postgresql dbname=wharf')).toEqual({ url: 'host=/var/run/postgresql dbname=wharf', options: '-c jit=off' });
  });
});
