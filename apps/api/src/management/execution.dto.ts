import type { ExecutionRecord, TaskRecord } from '@wharf/jobs';

/** Harbor's Metrics of an execution: its tasks counted by status. */
export class ExecutionMetricsResponse {
  task_count!: number;
  success_task_count!: number;
  error_task_count!: number;
  running_task_count!: number;
  pending_task_count!: number;
  stopped_task_count!: number;
}

/** Harbor's Execution: one run of a job (webhook delivery, preheat, ...) and how its tasks stand. */
export class ExecutionResponse implements ExecutionRecord {
  id!: number;
  vendor_type!: string;
  vendor_id!: number | null;
  status!: 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
  status_message!: string;
  trigger!: string;
  extra_attrs!: Record<string, unknown>;
  metrics!: ExecutionMetricsResponse;
  start_time!: Date;
  end_time!: Date | null;
  update_time!: Date;
}

/** Harbor's Task: one unit of an execution, with its progress. */
export class TaskResponse implements TaskRecord {
  id!: number;
  execution_id!: number;
  status!: 'Pending' | 'Running' | 'Success' | 'Error' | 'Stopped';
  status_message!: string;
  progress!: Record<string, unknown>;
  extra_attrs!: Record<string, unknown>;
  creation_time!: Date;
  start_time!: Date | null;
  update_time!: Date;
  end_time!: Date | null;
  job_id?: string | null;
}
