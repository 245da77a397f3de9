import { Module } from '@nestjs/common';
import { ManagementModule } from '../management/management.module';
import { PortalSessionController } from './portal-session.controller';

/** The web portal's session endpoints (/c/login, /c/log_out); the portal's files are served by servePortal. */
@Module({
  imports: [ManagementModule],
  controllers: [PortalSessionController],
})
export class PortalApiModule {}
