import { Body, Controller, Get, Headers, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { SCANNER_IDENTITY } from '../scanner-identity';
import { ScanService } from '../scans/scan.service';
import { asVersion10 } from '../reports/vulnerability-report';
import { CONSUMED_MIME_TYPES, MIME, SBOM_MEDIA_TYPES, normalizeMediaType, reportKindAccepted, type SbomMediaType } from './mime-types';
import { parseJsonBody, validateScanRequest } from './scan-request';
import { ScannerApiError } from './scanner-api-error';
import { ScannerAuthGuard } from './scanner-auth.guard';

/** How long Harbor should wait before asking again for a report still being made (Harbor reads at most 127). */
export const REFRESH_AFTER_SECONDS = 2;

const SCAN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SCAN_REQUEST_TYPE = 'application/vnd.scanner.adapter.scan.request+json';

/**
 * The pluggable scanner API (goharbor/pluggable-scanner-spec v1.1, SBOMs of v1.2) under
 * `/api/v1`: metadata, scan requests (queued, 202), reports (302 while running).
 */
@Controller('api/v1')
@UseGuards(ScannerAuthGuard)
export class ScannerApiController {
  constructor(private readonly scans: ScanService) {}

  @Get('metadata')
  async metadata(@Headers('accept') accept: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const updatedAt = await this.scans.databaseUpdatedAt();
    const wantsV11 = (accept ?? '').split(',').some((type) => normalizeMediaType(type) === normalizeMediaType('application/vnd.scanner.adapter.metadata+json; version=1.1'));
    sendJson(reply, 200, wantsV11 ? 'application/vnd.scanner.adapter.metadata+json; version=1.1' : MIME.metadata, {
      scanner: SCANNER_IDENTITY,
      capabilities: [
        { type: 'vulnerability', consumes_mime_types: [...CONSUMED_MIME_TYPES], produces_mime_types: [MIME.vulnerabilityReport11, MIME.vulnerabilityReport10] },
        {
          type: 'sbom',
          consumes_mime_types: [...CONSUMED_MIME_TYPES],
          produces_mime_types: [MIME.sbomReport],
          additional_attributes: { sbom_media_types: [...SBOM_MEDIA_TYPES] },
        },
      ],
      properties: {
        'harbor.scanner-adapter/scanner-type': 'os-package-vulnerability',
        ...(updatedAt ? { 'harbor.scanner-adapter/vulnerability-database-updated-at': updatedAt.toISOString() } : {}),
        'harbor.scanner-adapter/registry-authorization-type': 'Bearer',
        'org.label-schema.version': SCANNER_IDENTITY.version,
        'org.label-schema.vcs': 'wharf',
      },
    });
  }

  @Post('scan')
  async scan(@Body() body: unknown, @Headers('content-type') contentType: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    checkRequestType(contentType);
    const { request, plan } = validateScanRequest(parseJsonBody(body));
    const id = await this.scans.accept(request, plan);
    sendJson(reply, 202, MIME.scanResponse, { id });
  }

  @Get('scan/:id/report')
  async report(
    @Param('id') id: string,
    @Headers('accept') accept: string | undefined,
    @Query('sbom_media_type') sbomMediaType: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const kind = reportKindAccepted(accept);
    if (!kind) throw new ScannerApiError(501, `unsupported report type ${JSON.stringify(accept)}: this scanner produces ${MIME.vulnerabilityReport11}, ${MIME.vulnerabilityReport10} and ${MIME.sbomReport}`);
    if (kind.type === 'sbom') {
      if (!sbomMediaType) throw new ScannerApiError(400, 'missing SBOM media type: ?sbom_media_type=application/spdx+json or application/vnd.cyclonedx+json');
      if (!(SBOM_MEDIA_TYPES as readonly string[]).includes(sbomMediaType)) throw new ScannerApiError(400, `unsupported sbom_media_type ${JSON.stringify(sbomMediaType)}`);
    }
    const scan = SCAN_ID.test(id) ? await this.scans.find(id) : null;
    if (!scan) throw new ScannerApiError(404, `cannot find scan ${id}`);
    const plan = scan.request.plan;
    if (kind.type === 'vulnerability' && !plan.vulnerability) throw new ScannerApiError(404, `scan ${id} was not asked for a vulnerability report`);
    if (kind.type === 'sbom' && !plan.sbomMediaTypes.includes(sbomMediaType as SbomMediaType)) throw new ScannerApiError(404, `scan ${id} was not asked for an SBOM in ${sbomMediaType}`);

    if (scan.status === 'queued' || scan.status === 'running') {
      const location = `/api/v1/scan/${id}/report${sbomMediaType ? `?sbom_media_type=${encodeURIComponent(sbomMediaType)}` : ''}`;
      void reply.status(302).header('refresh-after', String(REFRESH_AFTER_SECONDS)).header('location', location).send();
      return;
    }
    if (scan.status === 'failed') throw new ScannerApiError(500, scan.error ?? 'the scan failed');
    if (kind.type === 'sbom') {
      const report = scan.sbomReports?.[sbomMediaType as SbomMediaType];
      if (!report) throw new ScannerApiError(500, `scan ${id} finished without an SBOM in ${sbomMediaType}`);
      return sendJson(reply, 200, kind.mimeType, report);
    }
    if (!scan.vulnerabilityReport) throw new ScannerApiError(500, `scan ${id} finished without a vulnerability report`);
    sendJson(reply, 200, kind.mimeType, kind.version === '1.0' ? asVersion10(scan.vulnerabilityReport) : scan.vulnerabilityReport);
  }
}

/**
 * JSON under the spec's media type exactly as written: sent as bytes, so Fastify neither adds a
 * charset nor re-quotes the version parameter (Harbor compares these strings).
 */
export function sendJson(reply: FastifyReply, status: number, mimeType: string, body: unknown): void {
  void reply.status(status).header('content-type', mimeType).send(Buffer.from(JSON.stringify(body)));
}

/** A scan request of a version this scanner does not know is refused (501); plain JSON is taken as it is. */
function checkRequestType(contentType: string | undefined): void {
  if (!contentType) return;
  const normalized = normalizeMediaType(contentType);
  if (!normalized.startsWith(SCAN_REQUEST_TYPE)) return;
  const version = /(?:^|; )version=([^;]+)/.exec(normalized)?.[1];
  if (version && version !== '1.0' && version !== '1.1') throw new ScannerApiError(501, `unsupported scan request version ${version}: 1.0 and 1.1 are understood`);
}
