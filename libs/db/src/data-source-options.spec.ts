import { withSessionSettings } from './data-source-options';

describe('withSessionSettings', () => {
  it('leaves a URL without options as it is, prices random page reads as cached and turns JIT off', () => {
    const url = 'postgres://wharf:p%40ss@db.example:5432/wharf?sslmode=require';
    expect(withSessionSettings(url)).toEqual({ url, options: '-c random_page_cost=1.1 -c jit=off' });
  });

  it("moves the URL's own options out of it, between our defaults (which they may replace) and jit=off (which they may not)", () => {
    const { url, options } = withSessionSettings('postgres://wharf@db.example/wharf?options=-c%20search_path%3Dregistry&sslmode=require');
    expect(new URL(url).searchParams.get('options')).toBeNull();
    expect(new URL(url).searchParams.get('sslmode')).toBe('require');
    expect(options).toBe('-c random_page_cost=1.1 -c search_path=registry -c jit=off');
    expect(withSessionSettings('postgres://wharf@db.example/wharf?options=-c%20random_page_cost%3D2%20-c%20jit%3Don').options).toBe(
      '-c random_page_cost=1.1 -c random_page_cost=2 -c jit=on -c jit=off',
    );
  });

  it('passes a connection string that is not a URL through', () => {
    expect(withSessionSettings('host=/var/run/postgresql dbname=wharf')).toEqual({ url: 'host=/var/run/postgresql dbname=wharf', options: '-c random_page_cost=1.1 -c jit=off' });
  });
});
