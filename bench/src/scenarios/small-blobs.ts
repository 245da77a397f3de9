import { KiB, smallBlob } from '../blob-data';
import { atLeastRatio } from '../goals';
import type { LoadStep, OpContext } from '../load/run-load';
import { BENCH_REPOSITORIES } from '../repositories';
import type { Scenario } from '../scenario';
import type { ClientAuth } from '../targets/target';
import { measureLoad, uploadPath } from './load-scenario';

const REPOSITORY = BENCH_REPOSITORIES.small;
const SIZE = 4 * KiB;
const OCTET_STREAM = { 'content-type': 'application/octet-stream' };

const uploadsPath = `/v2/${REPOSITORY}/blobs/uploads/`;

/** POST …/uploads/ that remembers the session's Location for the next step. */
const startUpload: LoadStep = {
  method: 'POST',
  build: () => ({ path: uploadsPath }),
  expect: 202,
  after: (op, headers) => {
    op.vars = { location: headers.location };
  },
};

/**
 * Distinct random 4 KiB blobs at 16 connections, in the registry's monolithic flavor: one
 * POST ?digest= with the body (Wharf), or POST + PUT ?digest= with the body (docker-registry,
 * which ignores a body on POST). Value: blobs stored per second.
 */
export function smallMonolithicPushScenario(connections = 16): Scenario {
  return {
    id: `blob-push-monolithic-4KiB-c${connections}`,
    title: `4 KiB blob push, monolithic, c${connections}`,
    unit: 'ops/s',
    higherIsBetter: true,
    goal: atLeastRatio(1.5),
    run(ctx) {
      const steps: LoadStep[] =
        ctx.target.monolithic === 'single POST'
          ? [
              {
                method: 'POST',
                build: () => {
                  const blob = smallBlob(SIZE);
                  return { path: `${uploadsPath}?digest=${blob.digest}`, headers: OCTET_STREAM, body: blob.data };
                },
                expect: 201,
              },
            ]
          : [startUpload, putWithBody(ctx.target.baseUrl)];
      return measureLoad(ctx, connections, steps, ctx.target.monolithic);
    },
  };
}

/**
 * docker's way for a small layer too: POST, PATCH with the bytes, PUT ?digest= without a body.
 * `basic`: the client sends Basic credentials on every request instead of a bearer token
 * (docker-registry, open, gets no credentials either way).
 */
export function smallDockerStylePushScenario(connections = 16, auth: ClientAuth = 'bearer'): Scenario {
  return {
    id: `blob-push-docker-4KiB-c${connections}${auth === 'basic' ? '-basic' : ''}`,
    title: `4 KiB blob push, POST+PATCH+PUT, c${connections}${auth === 'basic' ? ', Basic auth' : ''}`,
    unit: 'ops/s',
    higherIsBetter: true,
    goal: atLeastRatio(auth === 'basic' ? 0.9 : 1.5),
    run(ctx) {
      const base = ctx.target.baseUrl;
      const patch: LoadStep = {
        method: 'PATCH',
        build: (op: OpContext) => {
          const blob = smallBlob(SIZE);
          const path = uploadPath(base, op.vars?.location);
          if (!path) return undefined;
          op.vars = { ...op.vars, digest: blob.digest };
          return { path, headers: OCTET_STREAM, body: blob.data };
        },
        expect: 202,
        after: (op, headers) => {
          op.vars = { ...op.vars, location: headers.location };
        },
      };
      const finish: LoadStep = {
        method: 'PUT',
        build: (op) => {
          const path = uploadPath(base, op.vars?.location, { digest: op.vars?.digest ?? '' });
          return path ? { path } : undefined;
        },
        expect: 201,
      };
      const credentials = auth !== 'basic' ? '' : ctx.target.basicAuthorization ? ', Basic credentials on every request' : ', no credentials (open registry)';
      return measureLoad(ctx, connections, [startUpload, patch, finish], `POST+PATCH+PUT${credentials}`, auth);
    },
  };
}

function putWithBody(baseUrl: string): LoadStep {
  return {
    method: 'PUT',
    build: (op) => {
      const blob = smallBlob(SIZE);
      const path = uploadPath(baseUrl, op.vars?.location, { digest: blob.digest });
      return path ? { path, headers: OCTET_STREAM, body: blob.data } : undefined;
    },
    expect: 201,
  };
}
