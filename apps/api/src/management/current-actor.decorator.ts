import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal } from '@wharf/iam';
import type { AuthenticatedRequest } from './management-auth.guard';

/** Who makes a change and from where: what an audit entry needs besides the change itself. */
export interface Actor {
  principal: Principal;
  clientIp?: string;
  userAgent?: string;
}

/** The caller (as ManagementAuthGuard established it) with its address and user agent. */
export const CurrentActor = createParamDecorator((_data: unknown, context: ExecutionContext): Actor => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { principal: request.principal, clientIp: request.ip, userAgent: request.headers['user-agent'] };
});
