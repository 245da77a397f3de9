import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const MAX_PAGE_SIZE = 100;

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
