/**
 * A project's configuration (its metadata): public, vulnerability gate (prevent_vul + severity),
 * scan on push, SBOM on push, and for proxy-cache projects the cache's own settings.
 */
import { Button, Checkbox, Group, NumberInput, Paper, Select, Stack, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, errorMessage, unwrap } from '../../../api/client';
import type { Project } from '../../../api/models';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { PageLoader } from '../../../components/PageLoader';
import { useProject } from '../use-project';

const SEVERITIES = [
  { value: 'critical', label: 'Critical' },
  { value: 'high', label: 'High' },
  { value: 'medium', label: 'Medium' },
  { value: 'low', label: 'Low' },
  { value: 'none', label: 'None' },
];

function ConfigurationForm({ project }: { project: Project }) {
  const queryClient = useQueryClient();
  const [metadata, setMetadata] = useState<Record<string, string>>({ ...project.metadata });
  const [busy, setBusy] = useState(false);
  const flag = (key: string) => metadata[key] === 'true';
  const setFlag = (key: string, value: boolean) => setMetadata((current) => ({ ...current, [key]: String(value) }));
  const setValue = (key: string, value: string | number) => setMetadata((current) => ({ ...current, [key]: String(value) }));
  const proxyCache = project.registry_id !== null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      unwrap(await api.PUT('/api/v2.0/projects/{project_name_or_id}', { params: { path: { project_name_or_id: project.name } }, body: { metadata } }));
      notifications.show({ color: 'green', message: 'Configuration saved' });
      await queryClient.invalidateQueries({ queryKey: ['projects', project.name] });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not save the configuration', message: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)}>
      <Stack maw={640}>
        <Paper withBorder p="md">
          <Title order={4} mb="sm">
            Project registry
          </Title>
          <Checkbox label="Public" description="anyone may pull this project's artifacts" checked={flag('public')} onChange={(event) => setFlag('public', event.currentTarget.checked)} />
        </Paper>
        <Paper withBorder p="md">
          <Title order={4} mb="sm">
            Vulnerability scanning
          </Title>
          <Stack>
            <Checkbox label="Prevent vulnerable images from running" checked={flag('prevent_vul')} onChange={(event) => setFlag('prevent_vul', event.currentTarget.checked)} />
            <Select label="Prevent images with vulnerability severity of and above" data={SEVERITIES} value={metadata.severity ?? 'low'} onChange={(value) => value && setValue('severity', value)} allowDeselect={false} disabled={!flag('prevent_vul')} w={260} />
            <Checkbox label="Automatically scan images on push" checked={flag('auto_scan')} onChange={(event) => setFlag('auto_scan', event.currentTarget.checked)} />
            <Checkbox label="Automatically generate SBOM on push" checked={flag('auto_sbom_generation')} onChange={(event) => setFlag('auto_sbom_generation', event.currentTarget.checked)} />
            <Checkbox
              label="Use the system CVE allowlist"
              checked={metadata.reuse_sys_cve_allowlist !== 'false'}
              onChange={(event) => setFlag('reuse_sys_cve_allowlist', event.currentTarget.checked)}
            />
          </Stack>
        </Paper>
        {proxyCache && (
          <Paper withBorder p="md">
            <Title order={4} mb="sm">
              Proxy cache
            </Title>
            <Stack>
              <NumberInput label="Bandwidth (KB/s, -1 unlimited)" min={-1} value={Number(metadata.proxy_speed_kb ?? -1)} onChange={(value) => setValue('proxy_speed_kb', value)} w={260} />
              <NumberInput label="Upstream connections (-1 unlimited)" min={-1} value={Number(metadata.max_upstream_conn ?? -1)} onChange={(value) => setValue('max_upstream_conn', value)} w={260} />
              <NumberInput label="Freshness (seconds)" min={0} value={Number(metadata.proxy_freshness_seconds ?? 0)} onChange={(value) => setValue('proxy_freshness_seconds', value)} w={260} />
              <NumberInput label="Cache retention (days)" min={0} value={Number(metadata.proxy_cache_ttl_days ?? 7)} onChange={(value) => setValue('proxy_cache_ttl_days', value)} w={260} />
              <Checkbox label="Keep serving cached artifacts the upstream no longer has" checked={flag('proxy_keep_on_upstream_404')} onChange={(event) => setFlag('proxy_keep_on_upstream_404', event.currentTarget.checked)} />
              <Checkbox label="Scan newly cached artifacts before serving them" checked={flag('proxy_scan_before_serve')} onChange={(event) => setFlag('proxy_scan_before_serve', event.currentTarget.checked)} />
            </Stack>
          </Paper>
        )}
        <Group>
          <Button type="submit" loading={busy}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export default function ConfigurationTab() {
  const project = useProject();
  if (project.isPending) return <PageLoader />;
  if (project.isError) return <ErrorNotice error={project.error} />;
  return <ConfigurationForm key={project.data.update_time} project={project.data} />;
}
