import { Module } from '@nestjs/common';
import { ManagementModule } from '../management/management.module';
import { RobotManagementService } from './robot-management.service';
import { RobotsController } from './robots.controller';

/** Management API /robots: robot accounts. */
@Module({
  imports: [ManagementModule],
  controllers: [RobotsController],
  providers: [RobotManagementService],
  exports: [RobotManagementService],
})
export class RobotsApiModule {}
