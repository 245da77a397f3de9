import { Module } from '@nestjs/common';
import { AdminBootstrap } from './admin-bootstrap';
import { Authenticator } from './authenticator';
import { DockerTokensModule } from './docker-tokens.module';
import { LoginThrottle } from './login-throttle';
import { MemberService } from './member.service';
import { PasswordHasher } from './password-hasher';
import { ProjectAccess } from './project-access';
import { RevocationEpochs } from './revocation-epochs';
import { RobotService } from './robot.service';
import { UserService } from './user.service';

/**
 * Owns identities (users, robots), project membership, the permission model and docker tokens.
 * Creates the first-start `admin` account when imported by the api.
 */
@Module({
  imports: [DockerTokensModule],
  providers: [AdminBootstrap, PasswordHasher, LoginThrottle, RevocationEpochs, UserService, RobotService, MemberService, ProjectAccess, Authenticator],
  exports: [UserService, RobotService, MemberService, ProjectAccess, Authenticator, DockerTokensModule, RevocationEpochs],
})
export class IamModule {}

