/**
 * A job's log in a dialog (GC runs, replication tasks): fetched as text when opened, re-read every
 * two seconds while the job still runs, so the lines grow as it works.
 */
import { Button, Code, Modal, ScrollArea, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconFileText } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { ApiRequestError, errorMessage } from '../../api/client';
import { ErrorNotice } from '../../components/ErrorNotice';

interface LogViewerProps {
  /** the button's accessible name and the dialog's title, e.g. `Log of GC run 3` */
  title: string;
  queryKey: readonly unknown[];
  fetchLog: () => Promise<string>;
  running: boolean;
}

export function LogViewer({ title, queryKey, fetchLog, running }: LogViewerProps) {
  const [opened, { open, close }] = useDisclosure(false);
  const log = useQuery({ queryKey, queryFn: fetchLog, enabled: opened, refetchInterval: opened && running ? 2_000 : false });
  return (
    <>
      <Button variant="subtle" size="compact-sm" leftSection={<IconFileText size={14} aria-hidden />} onClick={open} aria-label={title}>
        Log
      </Button>
      <Modal opened={opened} onClose={close} title={title} size="xl">
        {log.isError && <ErrorNotice error={log.error} />}
        {log.isPending && <Text size="sm">Loading…</Text>}
        {log.data !== undefined && (
          <ScrollArea h={420} type="auto">
            <Code block aria-label={title} tabIndex={0}>
              {log.data || '(the log is empty)'}
            </Code>
          </ScrollArea>
        )}
      </Modal>
    </>
  );
}

/** Reads a text/plain answer (openapi-fetch parses JSON by default), throwing the api's message on failure. */
export async function textOf(result: Promise<{ data?: unknown; error?: unknown; response: Response }>): Promise<string> {
  const { data, error, response } = await result;
  if (!response.ok || error !== undefined) throw new ApiRequestError(response.status, errorMessage(error));
  return typeof data === 'string' ? data : '';
}
