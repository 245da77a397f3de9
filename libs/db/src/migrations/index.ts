import { RegistryCore1764300000000 } from './1764300000000-registry-core';
import { IdentityAccess1764400000000 } from './1764400000000-identity-access';
import { Executions1764500000000 } from './1764500000000-executions';
import { Schedules1764600000000 } from './1764600000000-schedules';
import { ArtifactType1764700000000 } from './1764700000000-artifact-type';
import { ImmutableTagRules1764800000000 } from './1764800000000-immutable-tag-rules';
import { Labels1764810000000 } from './1764810000000-labels';
import { EventOutbox1764820000000 } from './1764820000000-event-outbox';
import { WebhookPolicies1764830000000 } from './1764830000000-webhook-policies';
import { Registries1764900000000 } from './1764900000000-registries';
import { RobotGrantsByProjectId1765020000000 } from './1765020000000-robot-grants-by-project-id';
import { UploadSessionOwner1765050000000 } from './1765050000000-upload-session-owner';
import { EventStream1765100000000 } from './1765100000000-event-stream';
import { ScannerScans1765200000000 } from './1765200000000-scanner-scans';
import { ScannerRegistrations1765200100000 } from './1765200100000-scanner-registrations';
import { ScannerAdvisories1765210000000 } from './1765210000000-scanner-advisories';
import { ReplicationPolicies1765220000000 } from './1765220000000-replication-policies';
import { ReplicationBlobLocation1765230000000 } from './1765230000000-replication-blob-location';
import { RetentionPolicies1765240000000 } from './1765240000000-retention-policies';
import { P2pPreheat1765250000000 } from './1765250000000-p2p-preheat';
import { ScanReports1765280000000 } from './1765280000000-scan-reports';
import { ScannerRegistrationHealth1765281000000 } from './1765281000000-scanner-registration-health';
import { CveAllowlists1765288000000 } from './1765288000000-cve-allowlists';
import { ArtifactListOrder1765300000000 } from './1765300000000-artifact-list-order';
import { QuotaChargeFunction1765310000000 } from './1765310000000-quota-charge-function';
import { UploadSessionStartFunction1765310001000 } from './1765310001000-upload-session-start-function';
import { ArtifactListedCount1765320000000 } from './1765320000000-artifact-listed-count';
import { ManifestPushFunctions1765321000000 } from './1765321000000-manifest-push-functions';
import { UploadSessionFirstChunk1765322000000 } from './1765322000000-upload-session-first-chunk';
import { BlobUploadRecordFunction1765331000000 } from './1765331000000-blob-upload-record-function';
import { BlobRecordFunction1765340000000 } from './1765340000000-blob-record-function';
import { ArtifactRelistEarlyExit1765360000000 } from './1765360000000-artifact-relist-early-exit';
import { ManifestPushBlobCheckByDigest1765370000000 } from './1765370000000-manifest-push-blob-check-by-digest';
import { PushFunctionsGenericPlans1765380000000 } from './1765380000000-push-functions-generic-plans';

/** Every migration, oldest first. Add new ones at the end; never edit a landed one. */
export const migrations = [
  RegistryCore1764300000000,
  IdentityAccess1764400000000,
  Executions1764500000000,
  Schedules1764600000000,
  ArtifactType1764700000000,
  ImmutableTagRules1764800000000,
  Labels1764810000000,
  EventOutbox1764820000000,
  WebhookPolicies1764830000000,
  Registries1764900000000,
  RobotGrantsByProjectId1765020000000,
  UploadSessionOwner1765050000000,
  EventStream1765100000000,
  ScannerScans1765200000000,
  ScannerRegistrations1765200100000,
  ScannerAdvisories1765210000000,
  ReplicationPolicies1765220000000,
  ReplicationBlobLocation1765230000000,
  RetentionPolicies1765240000000,
  P2pPreheat1765250000000,
  ScanReports1765280000000,
  ScannerRegistrationHealth1765281000000,
  CveAllowlists1765288000000,
  ArtifactListOrder1765300000000,
  QuotaChargeFunction1765310000000,
  UploadSessionStartFunction1765310001000,
  ArtifactListedCount1765320000000,
  ManifestPushFunctions1765321000000,
  UploadSessionFirstChunk1765322000000,
  BlobUploadRecordFunction1765331000000,
  BlobRecordFunction1765340000000,
  ArtifactRelistEarlyExit1765360000000,
  ManifestPushBlobCheckByDigest1765370000000,
  PushFunctionsGenericPlans1765380000000,
];
