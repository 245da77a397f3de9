/**
 * A server-side paginated table over a Harbor list endpoint: the page asks for one page (page,
 * page_size, optionally q) and reads the total from X-Total-Count, so a list of any length costs one
 * page of rows. The search box debounces into `q` (or whatever the caller maps it to).
 */
import { Group, Pagination, Select, Table, Text, TextInput, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice';

export interface PageRequest {
  page: number;
  pageSize: number;
  search: string;
}

export interface PageAnswer<Row> {
  rows: Row[];
  total: number;
}

export interface Column<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  /** visually hidden header (e.g. an actions column) */
  hiddenHeader?: boolean;
}

interface ServerTableProps<Row> {
  /** accessible name of the table, e.g. "Projects" */
  label: string;
  queryKey: readonly unknown[];
  fetchPage: (request: PageRequest) => Promise<PageAnswer<Row>>;
  columns: Column<Row>[];
  rowKey: (row: Row) => string | number;
  searchLabel?: string;
  toolbar?: ReactNode;
  pageSizes?: number[];
  emptyText?: string;
  /** below this width the table scrolls sideways instead of squeezing its columns */
  minWidth?: number;
  /** poll while something listed is still running */
  refetchInterval?: (rows: Row[]) => number | false;
}

export function ServerTable<Row>({ label, queryKey, fetchPage, columns, rowKey, searchLabel, toolbar, pageSizes = [10, 25, 50, 100], emptyText = 'Nothing here yet.', minWidth = 600, refetchInterval }: ServerTableProps<Row>) {
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(pageSizes[0]);
  const [search, setSearch] = useState('');
  const [debouncedSearch] = useDebouncedValue(search, 300);
  const query = useQuery({
    queryKey: [...queryKey, { page, pageSize, search: debouncedSearch }],
    queryFn: () => fetchPage({ page, pageSize, search: debouncedSearch }),
    placeholderData: keepPreviousData,
    refetchInterval: refetchInterval ? (current) => refetchInterval(current.state.data?.rows ?? []) : undefined,
  });
  const total = query.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / pageSize));

  return (
    <div>
      <Group justify="space-between" mb="sm">
        <Group>{toolbar}</Group>
        {searchLabel && (
          <TextInput
            aria-label={searchLabel}
            placeholder={searchLabel}
            leftSection={<IconSearch size={16} aria-hidden />}
            value={search}
            onChange={(event) => {
              setSearch(event.currentTarget.value);
              setPage(1);
            }}
          />
        )}
      </Group>
      {query.isError && <ErrorNotice error={query.error} />}
      <Table.ScrollContainer minWidth={minWidth}>
        <Table striped highlightOnHover aria-label={label} aria-busy={query.isFetching} verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              {columns.map((column) => (
                <Table.Th key={column.header}>{column.hiddenHeader ? <VisuallyHidden>{column.header}</VisuallyHidden> : column.header}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {query.data?.rows.map((row) => (
              <Table.Tr key={rowKey(row)}>
                {columns.map((column) => (
                  <Table.Td key={column.header}>{column.cell(row)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
            {query.isSuccess && query.data.rows.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={columns.length}>
                  <Text c="dimmed" size="sm">
                    {emptyText}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="space-between" mt="sm">
        <Text size="sm" c="dimmed" aria-live="polite">
          {total} {total === 1 ? 'item' : 'items'}
        </Text>
        <Group>
          <Select
            aria-label="Rows per page"
            w={90}
            data={pageSizes.map(String)}
            value={String(pageSize)}
            allowDeselect={false}
            onChange={(value) => {
              setPageSize(Number(value));
              setPage(1);
            }}
          />
          <Pagination total={pages} value={page} onChange={setPage} getControlProps={(control) => ({ 'aria-label': `${control} page` })} getItemProps={(item) => ({ 'aria-label': `Page ${item}` })} />
        </Group>
      </Group>
    </div>
  );
}
