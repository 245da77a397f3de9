import type { Detector } from './detector';
import { ApkDetector } from './detectors/apk.detector';
import { DpkgDetector } from './detectors/dpkg.detector';
import { GoBinaryDetector } from './detectors/go-binary.detector';
import { JarDetector } from './detectors/jar.detector';
import { NodeModulesDetector } from './detectors/node-modules.detector';
import { NpmLockfileDetector } from './detectors/npm-lockfile.detector';
import { OsReleaseDetector } from './detectors/os-release.detector';
import { PnpmLockDetector } from './detectors/pnpm-lock.detector';
import { PythonLockfileDetector } from './detectors/python-lockfile.detector';
import { PythonMetadataDetector } from './detectors/python-metadata.detector';
import { RpmDetector } from './detectors/rpm.detector';
import { YarnLockDetector } from './detectors/yarn-lock.detector';

/** Every detector, in the order a file is offered to them (the first that matches reads it). */
export function defaultDetectors(): Detector[] {
  return [
    new OsReleaseDetector(),
    new DpkgDetector(),
    new ApkDetector(),
    new RpmDetector(),
    new NpmLockfileDetector(),
    new YarnLockDetector(),
    new PnpmLockDetector(),
    new NodeModulesDetector(),
    new PythonMetadataDetector(),
    new PythonLockfileDetector(),
    new JarDetector(),
    new GoBinaryDetector(),
  ];
}
