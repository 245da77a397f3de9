import { spawnSync } from 'node:child_process';
import { HEAP_GROWING_FLAG, growHeapBetweenFullCollections } from './heap-growth';

describe('growHeapBetweenFullCollections', () => {
  it('sets V8 heap growing factor when node was started without one', () => {
    const flags: string[] = [];
    growHeapBetweenFullCollections(['--max-semi-space-size=8'], (flag) => flags.push(flag));
    expect(flags).toEqual([HEAP_GROWING_FLAG]);
  });

  it.each(['--heap-growing-percent=50', '--heap_growing_percent=50'])('leaves an operator-chosen %s alone', (operatorFlag) => {
    const flags: string[] = [];
    growHeapBetweenFullCollections(['--enable-source-maps', operatorFlag], (flag) => flags.push(flag));
    expect(flags).toEqual([]);
  });

  it('sets a flag V8 accepts at run time', () => {
    // in a process of its own: set here, it would change how this test runner's heap grows for
    // every suite after this one. V8 reports an unknown flag on stderr and goes on.
    const child = spawnSync(process.execPath, ['-e', `require('node:v8').setFlagsFromString(${JSON.stringify(HEAP_GROWING_FLAG)}); console.log('set')`], {
      encoding: 'utf8',
    });
    expect({ status: child.status, stdout: child.stdout.trim(), stderr: child.stderr }).toEqual({ status: 0, stdout: 'set', stderr: '' });
  });
});
