import { Module } from '@nestjs/common';
import { ManagementModule } from '../management/management.module';
import { UserManagementService } from './user-management.service';
import { UsersController } from './users.controller';

/** Management API /users and /users/current: user accounts. */
@Module({
  imports: [ManagementModule],
  controllers: [UsersController],
  providers: [UserManagementService],
})
export class UsersApiModule {}
