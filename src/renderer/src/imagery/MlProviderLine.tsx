import { mlLine } from './imagery-view';
import './imagery.css';
import { useMlInfo } from './use-imagery';

/** "Models run on CPU (no GPU provider here)": in the status panel and the imagery cache card. */
export function MlProviderLine({ className = '' }: { className?: string }) {
  const info = useMlInfo();
  if (!info.data) {
    const text = info.error ? `Model status unavailable: ${info.error.message}` : 'Checking the local models…';
    return <p className={`ml-line small ${info.error ? 'error-text' : 'muted'} ${className}`}>{text}</p>;
  }
  const line = mlLine(info.data);
  const models = info.data.models.filter((model) => model.kind === 'super-resolution').length;
  return (
    <p className={`ml-line small ${className}`} data-testid="ml-provider" data-provider={info.data.provider ?? 'none'} title={info.data.providerNote ?? undefined}>
      <span className={`dot tone-${line.tone}`} aria-hidden="true" />
      <span>
        {line.text}
        {models > 0 && !info.data.problem && <span className="muted"> · {models} super-resolution {models === 1 ? 'model' : 'models'}</span>}
      </span>
    </p>
  );
}
