import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { ProjectsModule } from '@wharf/projects';
import { ProxyCacheModule } from '@wharf/proxy-cache';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ScanningPoliciesModule } from '@wharf/scanning';
import { BasicAccessMemo } from './basic-access-memo';
import { BlobsHttp } from './blobs.http';
import { DistributionRoutes } from './distribution.routes';
import { ListingsHttp } from './listings.http';
import { ManifestsHttp } from './manifests.http';
import { OciErrorResponder } from './oci-error-responder';
import { ProjectGate } from './project-gate';
import { RegistryAccess } from './registry-access';
import { UploadsHttp } from './uploads.http';

/** /v2: the OCI distribution endpoint (plain Fastify routes, registered by createApiApp: DistributionRoutes). */
@Module({
  imports: [RegistryCoreModule, ArtifactsModule, ProjectsModule, ProxyCacheModule, ScanningPoliciesModule],
  providers: [DistributionRoutes, RegistryAccess, OciErrorResponder, ManifestsHttp, BlobsHttp, UploadsHttp, ListingsHttp, ProjectGate, BasicAccessMemo],
  exports: [DistributionRoutes],
})
export class DistributionModule {}
