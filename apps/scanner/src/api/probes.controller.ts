import { Controller, Get, HttpCode } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { ScannerApiError } from './scanner-api-error';

/** Liveness and readiness, outside /api/v1 and without the API key (as the Trivy adapter's /probe). */
@Controller('probe')
export class ProbesController {
  constructor(private readonly sql: SqlClient) {}

  @Get('healthy')
  @HttpCode(200)
  healthy(): { status: string } {
    return { status: 'healthy' };
  }

  @Get('ready')
  async ready(): Promise<{ status: string }> {
    try {
      await this.sql.query('SELECT 1');
    } catch {
      throw new ScannerApiError(500, 'the database does not answer');
    }
    return { status: 'ready' };
  }
}
