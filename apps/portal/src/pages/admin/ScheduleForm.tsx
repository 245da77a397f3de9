/**
 * Harbor's schedule editor (GC, scan all): None, Hourly, Daily, Weekly, or a custom cron of six
 * fields, seconds first. The presets are the api's own; the next run it computed is shown back.
 */
import { Button, Group, Select, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { formatTime } from '../../format';
import type { ScheduleAnswer, ScheduleType } from './admin-models';

const TYPES: { value: ScheduleType; label: string }[] = [
  { value: 'None', label: 'None' },
  { value: 'Hourly', label: 'Hourly (0 0 * * * *)' },
  { value: 'Daily', label: 'Daily (0 0 0 * * *)' },
  { value: 'Weekly', label: 'Weekly (0 0 0 * * 0)' },
  { value: 'Custom', label: 'Custom cron' },
];

interface ScheduleFormProps {
  /** names the controls, e.g. "GC schedule" */
  label: string;
  current: ScheduleAnswer['schedule'] | undefined;
  onSave: (type: ScheduleType, cron: string) => Promise<unknown>;
}

/** Starts from `current`: give it a `key` that changes when the stored schedule does. */
export function ScheduleForm({ label, current, onSave }: ScheduleFormProps) {
  const [type, setType] = useState<ScheduleType>(current?.type ?? 'None');
  const [cron, setCron] = useState(current?.type === 'Custom' ? current.cron : '');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onSave(type, type === 'Custom' ? cron.trim() : '');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-label={label}>
      <Group align="flex-end">
        <Select label={label} data={TYPES} value={type} allowDeselect={false} onChange={(value) => setType((value ?? 'None') as ScheduleType)} w={240} />
        {type === 'Custom' && (
          <TextInput label="Cron expression" description="six fields, seconds first, e.g. 0 30 2 * * *" required value={cron} onChange={(event) => setCron(event.currentTarget.value)} w={260} />
        )}
        <Button type="submit" loading={busy} variant="light">
          Save schedule
        </Button>
      </Group>
      {current && current.type !== 'None' && (
        <Text size="sm" c="dimmed" mt={6}>
          {`Current: ${current.type} (${current.cron})${current.next_scheduled_time ? `, next run ${formatTime(current.next_scheduled_time)}` : ''}`}
        </Text>
      )}
    </form>
  );
}
