import { createTheme, type CSSVariablesResolver } from '@mantine/core';

/** System fonts only: the portal fetches nothing from outside the machine. */
const systemFonts = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';

export const theme = createTheme({
  fontFamily: systemFonts,
  headings: { fontFamily: systemFonts },
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  primaryColor: 'indigo',
  // indigo.6 under white text is 4.3:1, below WCAG AA (axe's color-contrast on every filled button); indigo.8 is 6:1
  primaryShade: { light: 8, dark: 8 },
  // WCAG AA contrast for text on the primary colour (axe checks it)
  autoContrast: true,
});

/**
 * Mantine's "dimmed" text is gray.6 (3.3:1 on white), below WCAG AA for body text (axe's
 * color-contrast, serious); gray.7 reads as secondary and passes (about 7:1).
 */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});
