/**
 * /projects/:p/repositories/<repository>                    -> the repository's artifacts
 * /projects/:p/repositories/<repository>/artifacts/<digest> -> one artifact (lazy chunk)
 * Repository names contain slashes, so the route is a splat split here.
 */
import { lazy } from 'react';
import { useParams } from 'react-router';
import { ArtifactList } from './ArtifactList';

const ArtifactPage = lazy(() => import('./ArtifactPage'));
const ARTIFACT_SEGMENT = '/artifacts/';

export default function RepositoryPage() {
  const splat = useParams()['*'] ?? '';
  const marker = splat.lastIndexOf(ARTIFACT_SEGMENT);
  if (marker >= 0) return <ArtifactPage repository={splat.slice(0, marker)} reference={decodeURIComponent(splat.slice(marker + ARTIFACT_SEGMENT.length))} />;
  return <ArtifactList repository={splat.replace(/\/+$/, '')} />;
}
