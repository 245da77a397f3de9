import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export const SCAN_TYPES = ['vulnerability', 'sbom'] as const;

/** POST .../scan and .../scan/stop (Harbor's ScanType); absent: vulnerability. */
export class ScanRequest {
  @IsOptional()
  @IsIn(SCAN_TYPES)
  scan_type?: (typeof SCAN_TYPES)[number];
}

export const SCAN_ALL_SCHEDULE_TYPES = ['Manual', 'Hourly', 'Daily', 'Weekly', 'Custom', 'None'] as const;

export class ScanAllScheduleObject {
  @IsIn(SCAN_ALL_SCHEDULE_TYPES)
  type: (typeof SCAN_ALL_SCHEDULE_TYPES)[number];

  /** 6 fields, seconds first; required for Custom */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  cron?: string;

  /** read-only, accepted and ignored */
  @IsOptional()
  @IsString()
  next_scheduled_time?: string;
}

/** POST/PUT /system/scanAll/schedule (Harbor's Schedule). */
export class ScanAllScheduleRequest {
  @IsObject()
  @ValidateNested()
  @Type(() => ScanAllScheduleObject)
  schedule: ScanAllScheduleObject;

  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;
}

/** Harbor's Stats: a scan-all run's progress. */
export class ScanAllMetricsResponse {
  total!: number;
  completed!: number;
  metrics!: Record<string, number>;
  requester?: string;
  ongoing!: boolean;
  trigger?: string;
}
