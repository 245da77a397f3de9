import { createTheme, Modal, Notification, type CSSVariablesResolver } from '@mantine/core';

/** System fonts only: the portal fetches nothing from outside the machine. */
const systemFonts = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';

export const theme = createTheme({
  fontFamily: systemFonts,
  headings: { fontFamily: systemFonts },
  fontFamilyMonospace: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
  primaryColor: 'indigo',
  // shade 8: white on it and it on white both pass WCAG AA contrast (shade 6 does not)
  primaryShade: 8,
  // WCAG AA contrast for text on the primary colour (axe checks it)
  autoContrast: true,
  components: {
    // the close (x) button of every dialog needs a name for screen readers
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } }),
    Notification: Notification.extend({ defaultProps: { closeButtonProps: { 'aria-label': 'Close notification' } } }),
  },
});

/** "dimmed" text one shade darker than Mantine's default, which fails WCAG AA contrast on white. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});

