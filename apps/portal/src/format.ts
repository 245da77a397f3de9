/** Display helpers shared by pages. */

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  if (bytes < 0) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return '-';
  const time = new Date(value);
  if (Number.isNaN(time.getTime()) || time.getTime() <= 0) return '-';
  return time.toLocaleString();
}

export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return '-';
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}
