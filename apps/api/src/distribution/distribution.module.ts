import { Module } from '@nestjs/common';
import { ArtifactsModule } from '@wharf/artifacts';
import { ProjectsModule } from '@wharf/projects';
import { ProxyCacheModule } from '@wharf/proxy-cache';
import { RegistryCoreModule } from '@wharf/registry-core';
import { ScanningPoliciesModule } from '@wharf/scanning';
import { BasicAccessMemo } from './basic-access-memo';
import { BlobsHttp } from './blobs.http';
import { DistributionController } from './distribution.controller';
import { ListingsHttp } from './listings.http';
import { ManifestsHttp } from './manifests.http';
import { ProjectGate } from './project-gate';
import { UploadsHttp } from './uploads.http';

/** /v2: the OCI distribution endpoint. */
@Module({
  imports: [RegistryCoreModule, ArtifactsModule, ProjectsModule, ProxyCacheModule, ScanningPoliciesModule],
  controllers: [DistributionController],
  providers: [ManifestsHttp, BlobsHttp, UploadsHttp, ListingsHttp, ProjectGate, BasicAccessMemo],
})
export class DistributionModule {}
