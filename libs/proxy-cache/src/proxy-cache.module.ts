import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { RegistriesModule } from '@wharf/registries';
import { MetricsModule } from '@wharf/metrics';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ProxyBlobs } from './proxy-blobs';
import { ProxyCacheRetention } from './proxy-cache-retention';
import { ProxyManifests } from './proxy-manifests';
import { ProxyProjects } from './proxy-project';
import { ProxyTags } from './proxy-tags';
import { ProxyUpstreams } from './proxy-upstreams';
import { UpstreamCoordination } from './upstream-coordination';

/** Pull-through caching for proxy-cache projects: the /v2 side and the retention of what was cached. */
@Module({
  imports: [ArtifactsModule, RegistryCoreModule, RegistriesModule, MetricsModule],
  providers: [ProxyProjects, ProxyManifests, ProxyBlobs, ProxyTags, ProxyUpstreams, UpstreamCoordination, ProxyCacheRetention],
  exports: [ProxyProjects, ProxyManifests, ProxyBlobs, ProxyTags, ProxyCacheRetention],
})
export class ProxyCacheModule {}
