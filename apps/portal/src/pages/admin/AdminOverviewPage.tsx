/** The Administration landing page: what the registry holds (GET /statistics). */
import { SimpleGrid, Paper, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PageLoader } from '../../components/PageLoader';
import { formatBytes } from '../../format';

interface Statistics {
  private_project_count: number;
  public_project_count: number;
  total_project_count: number;
  private_repo_count: number;
  public_repo_count: number;
  total_repo_count: number;
  total_storage_consumption: number;
}

export default function AdminOverviewPage() {
  const statistics = useQuery({ queryKey: ['statistics'], queryFn: async () => unwrap<Statistics>(await api.GET('/api/v2.0/statistics')) });
  if (statistics.isPending) return <PageLoader />;
  if (statistics.isError) return <ErrorNotice error={statistics.error} />;
  const figures: [string, string][] = [
    ['Projects', String(statistics.data.total_project_count)],
    ['Public projects', String(statistics.data.public_project_count)],
    ['Repositories', String(statistics.data.total_repo_count)],
    ['Storage used', formatBytes(statistics.data.total_storage_consumption)],
  ];
  return (
    <>
      <Title order={2} mb="md">
        Administration
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
        {figures.map(([label, value]) => (
          <Paper key={label} withBorder p="md">
            <Text size="sm" c="dimmed">
              {label}
            </Text>
            <Text size="xl" fw={700}>
              {value}
            </Text>
          </Paper>
        ))}
      </SimpleGrid>
    </>
  );
}
