import { Module } from '@nestjs/common';
import { SecretsModule } from '@wharf/secrets';
import { DefaultScannerBootstrap } from './default-scanner-bootstrap';
import { ScannerRegistrations } from './scanner-registrations';

/** Scanner registrations (Harbor's `scanner_registration`) and the api's first-start registration of SCANNER_URL. */
@Module({
  imports: [SecretsModule],
  providers: [ScannerRegistrations, DefaultScannerBootstrap],
  exports: [ScannerRegistrations],
})
export class ScannersModule {}
