import { applyDecorators, Controller, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExceptionFilter } from './api-exception.filter';
import { ManagementAuthGuard } from './management-auth.guard';

/** A controller under /api/v2.0: Basic auth, Harbor-shaped errors. */
export function ManagementController(path = ''): ClassDecorator {
  return applyDecorators(Controller(`api/v2.0${path ? `/${path}` : ''}`), UseGuards(ManagementAuthGuard), UseFilters(ApiExceptionFilter));
}
