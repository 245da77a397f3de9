import { zipOf } from '../../../../../test/support/zip-writer';
import { JarDetector } from './jar.detector';

const pom = (group: string, artifact: string, version: string) => `#Created by Apache Maven 3.8.6\nversion=${version}\ngroupId=${group}\nartifactId=${artifact}\n`;

describe('JarDetector', () => {
  const detector = new JarDetector();

  it('reads the Maven coordinates of every pom.properties (a shaded jar bundles several)', async () => {
    const jar = zipOf({
      'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\r\nImplementation-Title: ignored-when-poms-exist\r\n\r\n',
      'META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties': pom('org.apache.logging.log4j', 'log4j-core', '2.14.1'),
      'META-INF/maven/com.google.guava/guava/pom.properties': pom('com.google.guava', 'guava', '31.1-jre'),
      'org/apache/logging/log4j/core/Logger.class': Buffer.alloc(100),
    });
    const { packages } = await detector.parse(jar);
    expect(packages).toEqual([
      { ecosystem: 'maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1' },
      { ecosystem: 'maven', name: 'com.google.guava:guava', version: '31.1-jre' },
    ]);
  });

  it('falls back to the manifest, and reads jars nested in a Spring Boot jar', async () => {
    const inner = zipOf({ 'META-INF/maven/org.yaml/snakeyaml/pom.properties': pom('org.yaml', 'snakeyaml', '1.33') });
    const jar = zipOf({
      'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\r\nImplementation-Vendor-Id: com.example\r\nImplementation-Title: dem\r\n o\r\nImplementation-Version: 0.0.1\r\n\r\n',
      'BOOT-INF/lib/snakeyaml-1.33.jar': inner,
    });
    expect((await detector.parse(jar)).packages).toEqual([
      { ecosystem: 'maven', name: 'com.example:demo', version: '0.0.1' },
      { ecosystem: 'maven', name: 'org.yaml:snakeyaml', version: '1.33', innerPath: 'BOOT-INF/lib/snakeyaml-1.33.jar' },
    ]);
  });

  it('finds nothing in a jar without coordinates, or in something that is not a zip', async () => {
    expect((await detector.parse(zipOf({ 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\r\n\r\n' }))).packages).toEqual([]);
    expect(await detector.parse(Buffer.from('not a zip'))).toEqual({});
  });
});
