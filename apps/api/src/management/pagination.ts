import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, Validate, ValidatorConstraint, type ValidatorConstraintInterface, type ValidationArguments } from 'class-validator';
import { harborQuerySyntaxError } from './harbor-query';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const MAX_PAGE_SIZE = 100;

/** `q` in Harbor's syntax, on every list (those that ignore some keys still refuse a malformed q with a 400 naming it). */
@ValidatorConstraint({ name: 'harborQuery' })
class HarborQuerySyntax implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && harborQuerySyntaxError(value) === null;
  }

  defaultMessage(args: ValidationArguments): string {
    return typeof args.value === 'string' ? (harborQuerySyntaxError(args.value) ?? 'q is malformed') : 'q must be a string';
  }
}

/** `page`, `page_size` and `q`, as every Harbor list endpoint takes them. */
export class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size: number = 10;

  @IsOptional()
  @IsString()
  @Validate(HarborQuerySyntax)
  q?: string;
}

export const offsetOf = (query: PageQuery): number => (query.page - 1) * query.page_size;

/** X-Total-Count, and a Link header with the previous/next pages (Harbor's list contract). */
export function setPageHeaders(request: FastifyRequest, reply: FastifyReply, query: PageQuery, total: number): void {
  void reply.header('x-total-count', String(total));
  const [path, search] = request.url.split('?');
  const links: string[] = [];
  const linkTo = (page: number, rel: string) => {
    const params = new URLSearchParams(search ?? '');
    params.set('page', String(page));
    params.set('page_size', String(query.page_size));
    links.push(`<${path}?${params.toString()}>; rel="${rel}"`);
  };
  if (query.page > 1) linkTo(query.page - 1, 'prev');
  if (query.page * query.page_size < total) linkTo(query.page + 1, 'next');
  if (links.length) void reply.header('link', links.join(' , '));
}
