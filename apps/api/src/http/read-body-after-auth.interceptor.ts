import { BadRequestException, Injectable, UnsupportedMediaTypeException, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { readBodyText, type BodyLimits } from './body-reader';
import { takeDeferredBody } from './deferred-body';
import { takesFormBody } from './form-body.decorator';
import { jsonNestingExceeds } from './json-nesting';

/** Fastify's own JSON parser (prototype poisoning refused), as getDefaultJsonParser gives it. */
export type JsonParser = (request: FastifyRequest, body: string, done: (error: Error | null, value?: unknown) => void) => void;

export interface ManagementBodyLimits extends BodyLimits {
  /** deepest nesting of objects and arrays accepted in a JSON body */
  maxDepth: number;
}

// a JSON escape for NUL that is not itself escaped (`\\u0000` is a backslash and "u0000")
const ESCAPED_NUL = /(?<!\\)(?:\\\\)*\\u0000/i;

/**
 * Reads the body deferBodies left on the socket, after every guard has run (interceptors come
 * after guards in Nest): the caller is authenticated before a byte of its body is read. JSON is
 * checked for depth before it is parsed, and refused when it carries a NUL character, which no
 * field may hold and Postgres refuses in text. A body refused part way leaves the rest unread
 * and the connection is closed after the answer.
 */
@Injectable()
export class ReadBodyAfterAuthInterceptor implements NestInterceptor {
  constructor(
    private readonly parseJson: JsonParser,
    private readonly limits: ManagementBodyLimits,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (takeDeferredBody(request)) {
      const text = await readBodyText(request.raw, this.limits).catch((error: Error) => {
        void context.switchToHttp().getResponse<FastifyReply>().header('connection', 'close');
        throw error;
      });
      request.body = takesFormBody(context.getHandler()) ? parseForm(request, text) : await this.parse(request, text);
    }
    return next.handle();
  }

  private async parse(request: FastifyRequest, text: string): Promise<unknown> {
    // an empty body with a JSON content type (a DELETE from some clients) is no body, not malformed JSON
    if (text === '') return undefined;
    // every management and token body is JSON: any other type (or none) is refused saying so, as Harbor's 415
    const type = request.headers['content-type'];
    if (!/^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(type ?? '')) {
      throw new UnsupportedMediaTypeException(type ? `the body must be JSON (Content-Type: application/json), not ${type.slice(0, 100)}` : 'the body has no Content-Type; send it as JSON with Content-Type: application/json');
    }
    if (jsonNestingExceeds(text, this.limits.maxDepth)) throw new BadRequestException(`the JSON body nests deeper than ${this.limits.maxDepth} levels`);
    if (ESCAPED_NUL.test(text)) throw new BadRequestException('the JSON body contains a NUL character');
    return new Promise((resolve, reject) => this.parseJson(request, text, (error, value) => (error ? reject(error) : resolve(value))));
  }
}

/** A form body (`@FormBody()` handlers): its fields as strings; a field given twice is ambiguous, so refused. */
function parseForm(request: FastifyRequest, text: string): Record<string, string> {
  const type = request.headers['content-type'];
  if (!/^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(type ?? '')) {
    throw new UnsupportedMediaTypeException(`the body must be a form (Content-Type: application/x-www-form-urlencoded)${type ? `, not ${type.slice(0, 100)}` : ''}`);
  }
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(fields, name)) throw new BadRequestException(`the form gives ${name.slice(0, 100)} more than once`);
    if (value.includes('\0') || name.includes('\0')) throw new BadRequestException('the form contains a NUL character');
    fields[name] = value;
  }
  return fields;
}
