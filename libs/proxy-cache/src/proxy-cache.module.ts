import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { RegistriesModule } from '@wharf/registries';
import { MetricsModule } from '@wharf/metrics';
import { OffThreadDigests, RegistryCoreModule } from '@wharf/registry-core';
import { ProxyBlobs } from './proxy-blobs';
import { ProxyManifests } from './proxy-manifests';
import { ProxyProjects } from './proxy-project';
import { ProxyTags } from './proxy-tags';
import { ProxyUpstreams } from './proxy-upstreams';
import { UpstreamCoordination } from './upstream-coordination';

/** Pull-through caching for proxy-cache projects: the /v2 side (the expiry of what was cached is tag retention's: @wharf/retention ProxyCacheTtl). */
@Module({
  imports: [ArtifactsModule, RegistryCoreModule, RegistriesModule, MetricsModule],
  providers: [ProxyProjects, ProxyManifests, ProxyBlobs, ProxyTags, ProxyUpstreams, UpstreamCoordination, { provide: OffThreadDigests, useFactory: () => OffThreadDigests.shared() }],
  exports: [ProxyProjects, ProxyManifests, ProxyBlobs, ProxyTags],
})
export class ProxyCacheModule {}
