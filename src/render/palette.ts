/**
 * The colours of every driftwatch report, page and email, in one place. Baseline blue and current
 * orange are Okabe-Ito: told apart with every common colour-vision deficiency and in greyscale.
 */
export const PALETTE = {
  drift: '#b42318',
  resolved: '#1d6b48',
  baseline: '#0072b2',
  current: '#e69f00',
  ink: '#1d2329',
  muted: '#5b6670',
  line: '#dfe3e8',
} as const;
