/**
 * The private docker engine works on this machine: it starts (or is reused), builds the
 * FROM-scratch busybox test image without any network, and runs a container from it.
 */
import { buildBusyboxImage } from '../support/busybox-image';
import { docker, ensureDocker } from '../support/docker-env';

const dockerHost = ensureDocker();
const describeDocker = dockerHost ? describe : describe.skip;

describeDocker('private docker engine (smoke)', () => {
  const host = dockerHost as string;
  const image = `wharf-test/busybox-smoke:${process.pid}`;

  afterAll(async () => {
    await docker(host, ['rmi', '-f', image], { allowFailure: true });
  });

  it('answers with a server version', async () => {
    const { stdout } = await docker(host, ['version', '--format', '{{.Server.Version}}']);
    expect(stdout.trim()).toMatch(/^\d+\.\d+/);
  });

  it('builds the busybox image and runs it with --network none', async () => {
    const id = await buildBusyboxImage(host, image, { files: { 'etc/wharf-smoke': `${Date.now()}\n` } });
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);

    const { stdout } = await docker(host, ['run', '--rm', '--network', 'none', image, 'echo', 'hello']);
    expect(stdout.trim()).toBe('hello');

    const sh = await docker(host, ['run', '--rm', '--network', 'none', image, 'sh', '-c', 'cat /etc/wharf-smoke >/dev/null && echo $((6 * 7))']);
    expect(sh.stdout.trim()).toBe('42');
  });
});
