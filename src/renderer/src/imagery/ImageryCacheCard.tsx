import { MlProviderLine } from './MlProviderLine';
import { cacheUsage, evictionLine, formatBytes, sourceName } from './imagery-view';
import { useEvictImageryCache, useImageryCache } from './use-imagery';

/**
 * The imagery cache for managers: how many tiles, their size against the cap, per source, how many
 * roof images are kept, what has expired, a "Trim cache" button, and where the models run.
 */
export function ImageryCacheCard() {
  const cache = useImageryCache();
  const evict = useEvictImageryCache();
  const stats = cache.data;

  return (
    <section className="imagery-cache" data-testid="imagery-cache" aria-labelledby="imagery-cache-title">
      <h3 id="imagery-cache-title" className="imagery-subheading">
        Imagery cache
      </h3>
      {!stats ? (
        <p className={`small ${cache.error ? 'error-text' : 'muted'}`}>{cache.error ? `The cache could not be read: ${cache.error.message}` : 'Reading the cache…'}</p>
      ) : (
        <CacheFigures stats={stats} />
      )}
      <div className="imagery-cache-actions">
        <button type="button" className="button" onClick={() => evict.mutate()} disabled={evict.isPending || !stats} data-testid="imagery-trim">
          {evict.isPending ? 'Trimming…' : 'Trim cache'}
        </button>
        {evict.data && (
          <p className="small muted" role="status" data-testid="imagery-trim-result">
            {evictionLine(evict.data)}
          </p>
        )}
        {evict.error && (
          <p className="small error-text" role="alert">
            Trimming failed: {evict.error.message}
          </p>
        )}
      </div>
      <MlProviderLine />
    </section>
  );
}

function CacheFigures({ stats }: { stats: NonNullable<ReturnType<typeof useImageryCache>['data']> }) {
  const usage = cacheUsage(stats);
  return (
    <>
      <div className="imagery-cache-size">
        <span className="small">
          {stats.tiles.toLocaleString('en-US')} {stats.tiles === 1 ? 'tile' : 'tiles'} · {usage.text}
        </span>
        <div className="imagery-bar" role="meter" aria-label="Cache size against its cap" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(usage.share)}>
          <div className="imagery-bar-fill" data-tone={usage.tone} style={{ width: `${usage.share}%` }} />
        </div>
      </div>
      {stats.bySource.length > 0 && (
        <ul className="imagery-cache-sources small">
          {stats.bySource.map((row) => (
            <li key={row.source}>
              <span>{sourceName(row.source)}</span>
              <span className="muted num">
                {row.tiles.toLocaleString('en-US')} · {formatBytes(row.bytes)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="small muted">
        {stats.roofImages.toLocaleString('en-US')} roof {stats.roofImages === 1 ? 'image' : 'images'} kept
        {stats.expired > 0 ? ` · ${stats.expired.toLocaleString('en-US')} expired ${stats.expired === 1 ? 'tile' : 'tiles'}` : ' · none expired'}
      </p>
    </>
  );
}
