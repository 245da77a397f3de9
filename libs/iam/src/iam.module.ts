import { Module } from '@nestjs/common';
import { AdminBootstrap } from './admin-bootstrap';
import { Authenticator } from './authenticator';
import { DockerTokensModule } from './docker-tokens.module';
import { LoginThrottle } from './login-throttle';
import { MemberService } from './member.service';
import { PasswordHasher } from './password-hasher';
import { PortalSessions } from './portal-sessions';
import { ProjectAccess } from './project-access';
import { RevocationEpochs } from './revocation-epochs';
import { RobotService } from './robot.service';
import { UserService } from './user.service';

/**
 * Owns identities (users, robots), project membership, the permission model, docker tokens and
 * the web portal's sessions.
 * Creates the first-start `admin` account when imported by the api.
 */
@Module({
  imports: [DockerTokensModule],
  providers: [AdminBootstrap, PasswordHasher, LoginThrottle, RevocationEpochs, UserService, RobotService, MemberService, ProjectAccess, Authenticator, PortalSessions],
  exports: [UserService, RobotService, MemberService, ProjectAccess, Authenticator, PortalSessions, DockerTokensModule, RevocationEpochs],
})
export class IamModule {}

