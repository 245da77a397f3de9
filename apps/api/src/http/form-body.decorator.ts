import { SetMetadata } from '@nestjs/common';

const FORM_BODY = 'wharf:form-body';

/**
 * The handler's body is `application/x-www-form-urlencoded` (Harbor's `/c/login` takes its form),
 * read by ReadBodyAfterAuthInterceptor like any other body; every other handler takes JSON only.
 */
export const FormBody = (): MethodDecorator => SetMetadata(FORM_BODY, true);

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- what Nest's ExecutionContext.getHandler() returns
export const takesFormBody = (handler: Function): boolean => Reflect.getMetadata(FORM_BODY, handler) === true;
