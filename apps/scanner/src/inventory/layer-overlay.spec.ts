import { LayerOverlay, normalizeLayerPath, whiteoutOf, type LayerChanges } from './layer-overlay';

const layer = (changes: Partial<LayerChanges<string>> & { files?: Map<string, string> }): LayerChanges<string> => ({
  files: new Map(),
  replaced: [],
  whiteouts: [],
  opaqueDirs: [],
  ...changes,
});

describe('LayerOverlay', () => {
  it('lets upper layers replace, white out and make opaque what lower layers put', () => {
    const overlay = new LayerOverlay<string>();
    overlay.apply(layer({ files: new Map([['var/lib/dpkg/status', 'base'], ['app/package-lock.json', 'app'], ['app/node_modules/a/package.json', 'a'], ['opt/x/METADATA', 'x']]) }));
    overlay.apply(layer({ files: new Map([['var/lib/dpkg/status', 'upgraded']]), whiteouts: ['app/node_modules'], opaqueDirs: ['opt'] }));
    overlay.apply(layer({ replaced: ['app/package-lock.json'], files: new Map([['opt/y/METADATA', 'y']]), opaqueDirs: ['opt'] }));
    expect(new Map(overlay.entries())).toEqual(new Map([['var/lib/dpkg/status', 'upgraded'], ['opt/y/METADATA', 'y']]));
  });

  it('applies a whiteout to lower layers only, not to the same layer', () => {
    const overlay = new LayerOverlay<string>();
    overlay.apply(layer({ files: new Map([['a/f', 'old']]) }));
    overlay.apply(layer({ whiteouts: ['a'], files: new Map([['a/f', 'new']]) }));
    expect(overlay.get('a/f')).toBe('new');
  });

  it('understands whiteout names and normalizes tar paths', () => {
    expect(whiteoutOf('usr/lib/.wh.libssl.so')).toEqual({ kind: 'file', target: 'usr/lib/libssl.so' });
    expect(whiteoutOf('.wh.app')).toEqual({ kind: 'file', target: 'app' });
    expect(whiteoutOf('opt/.wh..wh..opq')).toEqual({ kind: 'opaque', dir: 'opt' });
    expect(whiteoutOf('opt/file')).toBeNull();
    expect(normalizeLayerPath('./usr//lib/')).toBe('usr/lib');
    expect(normalizeLayerPath('/etc/os-release')).toBe('etc/os-release');
  });
});
