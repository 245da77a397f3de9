import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';

/** Harbor's ImmutableSelector: `{"kind":"doublestar","decoration":"matches","pattern":"v1.*"}`. */
export class SelectorRequest {
  @IsIn(['doublestar'])
  kind: 'doublestar';

  @IsIn(['matches', 'excludes', 'repoMatches', 'repoExcludes'])
  decoration: 'matches' | 'excludes' | 'repoMatches' | 'repoExcludes';

  @IsString()
  @Length(1, 255)
  pattern: string;

  /** Harbor sends it; unused */
  @IsOptional()
  @IsObject()
  extras?: Record<string, unknown>;
}

export class ScopeSelectorsRequest {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SelectorRequest)
  repository: SelectorRequest[];
}

/** POST/PUT /projects/{p}/immutabletagrules[/{id}] (Harbor's ImmutableRule). `id`, `project_id` and `params` are accepted and ignored. */
export class ImmutableRuleRequest {
  @IsOptional()
  @IsInt()
  id?: number;

  @IsOptional()
  @IsInt()
  project_id?: number;

  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  priority?: number;

  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsString()
  action?: string;

  @IsOptional()
  @IsString()
  template?: string;

  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => SelectorRequest)
  tag_selectors?: SelectorRequest[];

  @IsOptional()
  @ValidateNested()
  @Type(() => ScopeSelectorsRequest)
  scope_selectors?: ScopeSelectorsRequest;
}

export class ImmutableRuleParams {
  @IsString()
  project_name_or_id: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2147483647)
  immutable_rule_id: number;
}

/** Harbor's ImmutableSelector: a doublestar glob, `matches`/`excludes` for tags, `repoMatches`/`repoExcludes` for repositories. */
export class RuleSelectorResponse {
  kind!: 'doublestar';
  decoration!: 'matches' | 'excludes' | 'repoMatches' | 'repoExcludes';
  pattern!: string;
}

export class ScopeSelectorsResponse {
  repository!: RuleSelectorResponse[];
}

/** Harbor's ImmutableRule. */
export class ImmutableRuleResponse {
  id!: number;
  project_id!: number;
  priority!: number;
  disabled!: boolean;
  action!: string;
  template!: string;
  params!: Record<string, unknown>;
  tag_selectors!: RuleSelectorResponse[];
  scope_selectors!: ScopeSelectorsResponse;
}
