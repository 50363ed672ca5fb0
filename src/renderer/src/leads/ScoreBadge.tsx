import { BAND_COLOURS, scoreBand } from './leads-view';

/** A lead's score in a round badge coloured by its band (the same colours as its circle on the map). */
export function ScoreBadge({ score, large = false }: { score: number; large?: boolean }) {
  const band = scoreBand(score);
  return (
    <span className={`score-badge${large ? ' is-large' : ''}`} data-band={band} style={{ background: BAND_COLOURS[band] }} title={`Score ${score} of 100`} data-testid="score-badge">
      {score}
    </span>
  );
}
