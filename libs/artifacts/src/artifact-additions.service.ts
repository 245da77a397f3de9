import { Injectable } from '@nestjs/common';
import { SqlClient } from '@wharf/db';
import { NotFoundError } from '@wharf/errors';
import type { Readable } from 'node:stream';
import { BlobStore } from '@wharf/registry-core';
import type { ArtifactRecord } from './queries/artifact-queries';
import { ArtifactType } from './artifact-type';
import { chartDependencies } from './chart-dependencies';
import { ArchiveError, readTar } from './tar-reader';

/** An addition's body and its content type. */
export interface Addition {
  contentType: string;
  body: string;
}

interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_DOC_BYTES = 1024 * 1024;
const CHART_LIMITS = { maxArchiveBytes: 64 * 1024 * 1024, maxFileBytes: MAX_DOC_BYTES };
const CHART_CONTENT = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const FILEPATH_ANNOTATIONS = ['org.cncf.model.filepath', 'org.opencontainers.image.title'];
const README = /^readme(\.(md|markdown|txt))?$/i;
const LICENSE = /^licen[cs]e(\.(md|txt))?$/i;

const notFound = (reason: string) => new NotFoundError('addition', reason);
const json = (value: unknown): Addition => ({ contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) });

/**
 * Harbor's artifact additions, read from the stored blobs on request with size bounds: an
 * image's build history (its config's `history`), a Helm chart's README, values and
 * dependencies (from the chart tarball, streamed through gunzip and a tar reader), a model's
 * README, LICENSE and file list (layers named by their filepath annotation). Content that is not
 * what its media type says answers 404 with the reason; the push itself never depended on it.
 * Also the `extra_attrs` of a single artifact (a few fields of its config).
 */
@Injectable()
export class ArtifactAdditionsService {
  constructor(
    private readonly sql: SqlClient,
    private readonly blobs: BlobStore,
  ) {}

  async addition(artifact: ArtifactRecord, name: string): Promise<Addition> {
    const key = name.toLowerCase();
    if (artifact.type === ArtifactType.Image && key === 'build_history') {
      const config = await this.configJson(artifact, 'image');
      return json(Array.isArray(config.history) ? config.history : []);
    }
    if (artifact.type === ArtifactType.Chart && ['readme.md', 'values.yaml', 'dependencies'].includes(key)) return this.chartAddition(artifact, key);
    if (artifact.type === ArtifactType.Model && ['readme', 'readme.md', 'license', 'files'].includes(key)) return this.modelAddition(artifact, key);
    throw notFound(`an artifact of type ${artifact.type} has no addition ${name}`);
  }

  /** A few fields of the config, as Harbor's extra_attrs; {} when there is no readable JSON config. */
  async extraAttrs(artifact: ArtifactRecord): Promise<Record<string, unknown>> {
    if (!artifact.config_media_type) return {};
    try {
      const config = await this.configJson(artifact, artifact.type.toLowerCase());
      if (artifact.type === ArtifactType.Image) {
        const { architecture, os, created, author, config: runtime, variant } = config as Record<string, unknown>;
        return { architecture, os, variant, created, author, config: runtime ?? {} };
      }
      if (artifact.type === ArtifactType.Chart || artifact.type === ArtifactType.Model) return config;
      return {};
    } catch {
      return {};
    }
  }

  private async chartAddition(artifact: ArtifactRecord, key: string): Promise<Addition> {
    const layer = (await this.layers(artifact)).find((l) => l.mediaType === CHART_CONTENT);
    if (!layer) throw notFound('the chart has no content layer');
    const wanted = (file: string) => /^[^/]+\/(Chart\.yaml|values\.yaml|README\.md|requirements\.yaml)$/i.test(file);
    let files: Map<string, Buffer>;
    try {
      ({ files } = await readTar(await this.blobs.read(layer.digest), { gzip: true, wanted, limits: CHART_LIMITS }));
    } catch (error) {
      if (error instanceof ArchiveError) throw notFound(`the chart content cannot be read: ${error.message}`);
      throw error;
    }
    const find = (base: string) => [...files].find(([file]) => file.split('/')[1].toLowerCase() === base)?.[1];
    if (key === 'dependencies') {
      const chart = find('chart.yaml');
      if (!chart) throw notFound('the chart has no Chart.yaml');
      const fromChart = chartDependencies(chart.toString('utf8'));
      const requirements = find('requirements.yaml');
      return json(fromChart.length || !requirements ? fromChart : chartDependencies(requirements.toString('utf8')));
    }
    const content = find(key);
    if (!content) throw notFound(`the chart has no ${key === 'readme.md' ? 'README.md' : key}`);
    return { contentType: key === 'readme.md' ? 'text/markdown; charset=utf-8' : 'application/yaml; charset=utf-8', body: content.toString('utf8') };
  }

  private async modelAddition(artifact: ArtifactRecord, key: string): Promise<Addition> {
    // a model whose config is not JSON is no model we can describe
    await this.configJson(artifact, 'model');
    const layers = await this.layers(artifact);
    const named = layers.map((layer) => ({ layer, path: FILEPATH_ANNOTATIONS.map((a) => layer.annotations?.[a]).find(Boolean) })).filter((l): l is { layer: LayerDescriptor; path: string } => Boolean(l.path));
    if (key === 'files') return json(named.map(({ layer, path }) => ({ name: path, type: 'file', size: layer.size, media_type: layer.mediaType, digest: layer.digest })));
    const pattern = key === 'license' ? LICENSE : README;
    const match = named.find(({ path }) => pattern.test(path.split('/').pop() ?? ''));
    if (!match) throw notFound(`the model has no ${key === 'license' ? 'LICENSE' : 'README'} layer`);
    const body = await this.layerFile(match.layer, pattern);
    return { contentType: key === 'license' ? 'text/plain; charset=utf-8' : 'text/markdown; charset=utf-8', body: body.toString('utf8') };
  }

  /** A model layer's file: the raw bytes, or the matching file of a tar / tar+gzip layer. */
  private async layerFile(layer: LayerDescriptor, pattern: RegExp): Promise<Buffer> {
    const type = layer.mediaType.toLowerCase();
    const tar = type.includes('zstd') ? 'zstd' : /tar\+gzip$|tar\.gzip$/.test(type) ? 'tgz' : /[.+]tar$/.test(type) ? 'tar' : 'raw';
    if (tar === 'zstd') throw notFound('zstd-compressed model layers cannot be read');
    if (tar === 'raw') return readBounded(await this.blobs.read(layer.digest), MAX_DOC_BYTES, 'document');
    try {
      const { files } = await readTar(await this.blobs.read(layer.digest), {
        gzip: tar === 'tgz',
        wanted: (file) => pattern.test(file.split('/').pop() ?? ''),
        limits: { maxArchiveBytes: 64 * 1024 * 1024, maxFileBytes: MAX_DOC_BYTES },
        stopWhen: (found) => found.size > 0,
      });
      const first = [...files.values()][0];
      if (!first) throw notFound('the layer holds no such file');
      return first;
    } catch (error) {
      if (error instanceof ArchiveError) throw notFound(`the model layer cannot be read: ${error.message}`);
      throw error;
    }
  }

  private async manifest(artifact: ArtifactRecord): Promise<Record<string, unknown>> {
    const rows = await this.sql.query<{ manifest: Buffer }>(`SELECT manifest FROM artifact WHERE id = $1`, [artifact.id]);
    if (!rows[0]) throw notFound('artifact not found');
    return JSON.parse(rows[0].manifest.toString('utf8')) as Record<string, unknown>;
  }

  private async layers(artifact: ArtifactRecord): Promise<LayerDescriptor[]> {
    const layers = (await this.manifest(artifact)).layers;
    return Array.isArray(layers) ? (layers as LayerDescriptor[]) : [];
  }

  private async configJson(artifact: ArtifactRecord, what: string): Promise<Record<string, unknown>> {
    const config = (await this.manifest(artifact)).config as LayerDescriptor | undefined;
    if (!config) throw notFound(`the ${what} has no config`);
    if (config.size > MAX_CONFIG_BYTES) throw notFound(`the ${what} config is larger than ${MAX_CONFIG_BYTES} bytes`);
    const bytes = await readBounded(await this.blobs.read(config.digest), MAX_CONFIG_BYTES, 'config');
    try {
      const value = JSON.parse(bytes.toString('utf8')) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      return value as Record<string, unknown>;
    } catch {
      throw notFound(`the ${what} config is not a JSON object`);
    }
  }
}

async function readBounded(stream: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > max) throw notFound(`the ${what} is larger than ${max} bytes`);
      chunks.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}
